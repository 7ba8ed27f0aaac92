"""IptablesManager: the ``nimbus-*`` chains of one daemon, applied
atomically and without touching anybody else's rules.

The manager keeps, per table, the *desired* contents of the chains its
caller declared and what it believes the kernel holds (read once with
``iptables-save`` the first time a table is touched, then kept up to date
by its own writes). ``apply()`` sends one ``iptables-restore --noflush``
per changed table, holding only:

- the chains that changed: a new or heavily changed chain is declared
  (``:chain``, which flushes it) and written whole; a chain where rules
  were only removed and appended at the end (dispatch chains, NAT chains
  of floating IPs) gets just those ``-D``/``-A`` lines, so a change costs
  the same with 10 or 10,000 rules;
- the jumps from built-in chains into its chains (``-I``/``-A``/``-D`` of
  exactly those rules);
- chains removed (flushed, then ``-X``).

Rules it did not write are never flushed or changed: built-in chains are
only ever edited rule by rule, and only chains named ``nimbus-*`` that the
caller declared are rewritten. A chain that exists in the kernel but was
not declared in this process (left by a previous run) is adopted when it
is first touched: its rules become the starting desired state, so a
restarted daemon never duplicates a rule or a jump.

Rules are written in the canonical form ``iptables-save`` prints
(``-s``/``-d``/``-i``/``-o``/``-p`` first, addresses with a prefix length,
lower-case MACs), so that a restarted manager finds its rules unchanged.

Thread-safe: one re-entrant lock. ``with manager.deferred():`` holds it
and postpones ``apply()`` to the end of the block, batching many changes
into one restore.
"""

import contextlib
import threading
import time

from oslo_log import log as logging

from nimbus import exception
from nimbus.network.linux import command

LOG = logging.getLogger(__name__)

PREFIX = 'nimbus-'
# The kernel's limit on chain names (XT_EXTENSION_MAXNAMELEN - 1).
MAX_CHAIN_NAME = 28
BUILTIN_CHAINS = {
    'filter': ('INPUT', 'FORWARD', 'OUTPUT'),
    'nat': ('PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'),
    'mangle': ('PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'),
}


def parse_save(text):
    """``iptables-save -t TABLE`` output → {chain: [rule, ...]} for every
    chain (built-in or not) of the first table in ``text``; a rule is
    the text after ``-A <chain> ``."""
    chains = {}
    for line in text.splitlines():
        if line.startswith(':'):
            chains.setdefault(line[1:].split()[0], [])
        elif line.startswith('-A '):
            _, chain, rule = line.split(' ', 2)
            chains.setdefault(chain, []).append(rule)
        elif line == 'COMMIT':
            break
    return chains


def incremental_diff(old, new):
    """(deleted, appended) such that deleting ``deleted`` from ``old``
    (each rule by its spec) and appending ``appended`` gives ``new``; or
    None when ``new`` is not ``old`` minus some rules plus some at the end
    (the chain must then be rewritten)."""
    deleted = []
    position = 0
    for rule in old:
        if position < len(new) and new[position] == rule:
            position += 1
        else:
            deleted.append(rule)
    # '-D chain spec' removes the first rule matching spec: ambiguous when
    # the chain holds the same rule twice.
    if len(set(old)) != len(old):
        return None
    return deleted, list(new[position:])


class _Table:
    """What one table holds (``kernel``) and should hold (``desired``)."""

    def __init__(self, name):
        self.name = name
        self.kernel = None          # {chain: [rules]} from iptables-save
        self.desired = {}           # {owned chain: [rules]}
        self.removed = set()        # owned chains to delete
        self.jumps = {}             # {(builtin, rule): 'top'|'bottom'}
        self.removed_jumps = set()  # {(builtin, rule)}
        self.dirty = set()          # owned chains changed since last apply

    @property
    def changed(self):
        return bool(self.dirty or self.removed or self.removed_jumps or
                    any(rule not in self.kernel.get(builtin, ())
                        for builtin, rule in self.jumps))


class IptablesManager:
    """The iptables chains one daemon owns. See the module docstring."""

    def __init__(self, iptables_save='iptables-save',
                 iptables_restore='iptables-restore'):
        self._save = iptables_save
        self._restore = iptables_restore
        self._lock = threading.RLock()
        self._deferred = 0
        self._tables = {}
        # Figures for benchmarks and tests.
        self.restores = 0
        self.restore_seconds = 0.0
        self.restored_lines = 0
        self.saves = 0

    # Reading ----------------------------------------------------------------

    def _table(self, name):
        if name not in BUILTIN_CHAINS:
            raise ValueError('unknown iptables table %r' % name)
        table = self._tables.get(name)
        if table is None:
            table = self._tables[name] = _Table(name)
        if table.kernel is None:
            self._load(table)
        return table

    def _load(self, table):
        self.saves += 1
        kernel = parse_save(command.run([self._save, '-t', table.name]))
        # Pending removals of what is no longer there are done already.
        table.removed &= set(kernel)
        table.removed_jumps = {(builtin, rule) for builtin, rule
                               in table.removed_jumps
                               if rule in kernel.get(builtin, ())}
        table.kernel = kernel

    @staticmethod
    def _check_owned(chain):
        if not chain.startswith(PREFIX) or len(chain) > MAX_CHAIN_NAME:
            raise ValueError('%r is not a chain nimbus may own (nimbus-*, '
                             'at most %d characters)' % (chain,
                                                         MAX_CHAIN_NAME))

    def _chain(self, table, chain):
        """The desired rules of ``chain``, adopting the kernel's when it
        was not declared yet."""
        self._check_owned(chain)
        rules = table.desired.get(chain)
        if rules is None:
            rules = table.desired[chain] = list(table.kernel.get(chain, ()))
            table.removed.discard(chain)
            if chain not in table.kernel:
                table.dirty.add(chain)
        return rules

    def rules(self, table, chain):
        """The rules ``chain`` has (desired), or None when it has none."""
        with self._lock:
            tbl = self._table(table)
            if chain in tbl.desired:
                return list(tbl.desired[chain])
            if chain in tbl.removed:
                return None
            rules = tbl.kernel.get(chain)
            return list(rules) if rules is not None else None

    def has_chain(self, table, chain):
        return self.rules(table, chain) is not None

    def chains(self, table, prefix=PREFIX):
        """Names of the chains (declared or found in the kernel) starting
        with ``prefix``."""
        with self._lock:
            tbl = self._table(table)
            names = (set(tbl.desired) | set(tbl.kernel)) - tbl.removed
            return sorted(name for name in names if name.startswith(prefix))

    # Changing (takes effect at apply) ----------------------------------------

    def ensure_chain(self, table, chain):
        """Declare ``chain`` (created empty when missing; an existing one
        keeps its rules)."""
        with self._lock:
            self._chain(self._table(table), chain)

    def set_rules(self, table, chain, rules):
        """Make ``chain`` hold exactly ``rules``, in this order."""
        with self._lock:
            tbl = self._table(table)
            current = self._chain(tbl, chain)
            rules = list(rules)
            if current != rules:
                tbl.desired[chain] = rules
                tbl.dirty.add(chain)

    def add_rule(self, table, chain, rule):
        """Append ``rule`` to ``chain`` unless it holds it already."""
        with self._lock:
            tbl = self._table(table)
            rules = self._chain(tbl, chain)
            if rule not in rules:
                rules.append(rule)
                tbl.dirty.add(chain)

    def remove_rule(self, table, chain, rule):
        """Remove ``rule`` from ``chain``; nothing when it is not there."""
        with self._lock:
            tbl = self._table(table)
            if chain in tbl.removed or (chain not in tbl.desired and
                                        chain not in tbl.kernel):
                return
            rules = self._chain(tbl, chain)
            if rule in rules:
                tbl.desired[chain] = [r for r in rules if r != rule]
                tbl.dirty.add(chain)

    def replace_jumps_to(self, table, chain, target, rules):
        """Make the rules of ``chain`` that jump to ``target`` exactly
        ``rules`` (each ending in ``-j target``), keeping the others and
        the place of those unchanged."""
        suffix = '-j ' + target
        with self._lock:
            tbl = self._table(table)
            current = self._chain(tbl, chain)
            wanted = list(rules)
            kept = [r for r in current
                    if not r.endswith(suffix) or r in wanted]
            new = kept + [r for r in wanted if r not in kept]
            if new != current:
                tbl.desired[chain] = new
                tbl.dirty.add(chain)

    def remove_chain(self, table, chain):
        """Delete ``chain`` (flushed first). Rules of other nimbus chains
        jumping to it must be removed in the same apply; jumps from
        built-in chains are removed here."""
        with self._lock:
            tbl = self._table(table)
            self._check_owned(chain)
            tbl.desired.pop(chain, None)
            tbl.dirty.discard(chain)
            for builtin, rule in list(tbl.jumps):
                if rule.endswith('-j ' + chain):
                    self.remove_jump(table, builtin, chain, rule=rule)
            if chain in tbl.kernel:
                tbl.removed.add(chain)
            for builtin in BUILTIN_CHAINS[table]:
                for rule in tbl.kernel.get(builtin, ()):
                    if rule.endswith('-j ' + chain):
                        tbl.removed_jumps.add((builtin, rule))

    def ensure_jump(self, table, builtin, chain, top=True, rule=None):
        """A rule in built-in ``builtin`` jumping to ``chain`` (``rule``,
        default ``-j chain``), first in the chain when ``top`` else
        appended; added once, whatever rules others have there."""
        rule = rule or '-j ' + chain
        with self._lock:
            tbl = self._table(table)
            if builtin not in BUILTIN_CHAINS[table]:
                raise ValueError('%s is not a built-in chain of %s'
                                 % (builtin, table))
            tbl.jumps[(builtin, rule)] = 'top' if top else 'bottom'
            tbl.removed_jumps.discard((builtin, rule))

    def remove_jump(self, table, builtin, chain, rule=None):
        rule = rule or '-j ' + chain
        with self._lock:
            tbl = self._table(table)
            tbl.jumps.pop((builtin, rule), None)
            if rule in tbl.kernel.get(builtin, ()):
                tbl.removed_jumps.add((builtin, rule))

    # Applying ---------------------------------------------------------------

    @contextlib.contextmanager
    def deferred(self):
        """Batch every change made in the block into one apply at its
        end; other threads wait for the block."""
        with self._lock:
            self._deferred += 1
            try:
                yield self
            finally:
                self._deferred -= 1
            if self._deferred == 0:
                self.apply()

    def apply(self):
        """Write the pending changes: one iptables-restore per changed
        table. Returns the number of restores run. A failed restore
        changes nothing (it is atomic); the kernel state is read again on
        the next change, and HostCommandFailed is raised."""
        with self._lock:
            if self._deferred:
                return 0
            count = 0
            for name in sorted(self._tables):
                tbl = self._tables[name]
                if tbl.kernel is None:
                    # A restore failed: compare with the kernel anew.
                    self._load(tbl)
                if not tbl.changed:
                    continue
                lines = self._restore_lines(tbl)
                self._run_restore(tbl, lines)
                self._applied(tbl)
                count += 1
            return count

    def _restore_lines(self, tbl):
        declare, deletes, appends, inserts = [], [], [], []
        for chain in sorted(tbl.dirty):
            new = tbl.desired[chain]
            old = tbl.kernel.get(chain)
            diff = None if old is None else incremental_diff(old, new)
            if diff is not None and (len(diff[0]) + len(diff[1]) <=
                                     len(new) + 1):
                deleted, appended = diff
                deletes += ['-D %s %s' % (chain, rule) for rule in deleted]
            else:
                declare.append(':%s - [0:0]' % chain)
                appended = new
            appends += ['-A %s %s' % (chain, rule) for rule in appended]
        for (builtin, rule), where in sorted(tbl.jumps.items()):
            if rule in tbl.kernel.get(builtin, ()):
                continue
            if where == 'top':
                inserts.append('-I %s 1 %s' % (builtin, rule))
            else:
                inserts.append('-A %s %s' % (builtin, rule))
        for builtin, rule in sorted(tbl.removed_jumps):
            deletes += ['-D %s %s' % (builtin, rule)] * \
                tbl.kernel.get(builtin, []).count(rule)
        # Flush every removed chain before deleting any: they may jump to
        # each other.
        drops = [':%s - [0:0]' % chain for chain in sorted(tbl.removed)]
        drops += ['-X %s' % chain for chain in sorted(tbl.removed)]
        return (['*' + tbl.name] + declare + deletes + appends + inserts +
                drops + ['COMMIT'])

    def _run_restore(self, tbl, lines):
        started = time.monotonic()
        try:
            command.run([self._restore, '-w', '--noflush'],
                        stdin='\n'.join(lines) + '\n')
        except exception.HostCommandFailed:
            LOG.error('iptables-restore of table %s failed; its input '
                      'was:\n%s', tbl.name, '\n'.join(lines))
            # Read the kernel again next time: what we believed may be
            # wrong (someone else may have changed it).
            tbl.kernel = None
            raise
        finally:
            self.restores += 1
            self.restore_seconds += time.monotonic() - started
            self.restored_lines += len(lines)

    @staticmethod
    def _applied(tbl):
        for chain in tbl.dirty:
            tbl.kernel[chain] = list(tbl.desired[chain])
        for chain in tbl.removed:
            tbl.kernel.pop(chain, None)
        for builtin, rule in tbl.removed_jumps:
            tbl.kernel[builtin] = [r for r in tbl.kernel.get(builtin, ())
                                   if r != rule]
        for (builtin, rule), where in tbl.jumps.items():
            rules = tbl.kernel.setdefault(builtin, [])
            if rule not in rules:
                if where == 'top':
                    rules.insert(0, rule)
                else:
                    rules.append(rule)
        tbl.dirty.clear()
        tbl.removed.clear()
        tbl.removed_jumps.clear()

    def reload(self):
        """Forget what the kernel holds; it is read again on the next
        change (for a caller that knows someone else changed it)."""
        with self._lock:
            for tbl in self._tables.values():
                tbl.kernel = None
