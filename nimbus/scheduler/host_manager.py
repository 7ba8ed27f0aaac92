"""The scheduler's in-memory view of the compute hosts.

``HostManager`` loads every compute node and compute service once, then
keeps the view current incrementally: ``sync`` (run every
``[scheduler] sync_interval`` by the manager) reads only the
compute_nodes and services rows created, updated or deleted since the
newest timestamp it has seen. A request never reloads the view; a
selection consumes resources in the view at once (under ``lock``), so the
next request sees them.

Every change to a host that could change a filter's verdict is appended to
a change log (``changes_since``): resources reported or consumed, the
service enabled, disabled, moved to another zone, or going up or down.
Going down needs no row change (a dead compute just stops heartbeating),
so the manager schedules a check at the moment each service's last
heartbeat gets older than ``service_down_time``. Caches built on the view
(the filter scheduler's host pools) replay the log instead of re-checking
every host.
"""

import collections
import datetime
import heapq
import itertools
import json
import threading

from oslo_log import log as logging
from oslo_utils import timeutils

from nimbus.conf import CONF
from nimbus.db.api import scheduler as scheduler_db
from nimbus.scheduler import request_spec as spec_module
from nimbus import servicegroup

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = 'nimbus-compute'


def _stamp(row):
    """When a row last changed, as far as its timestamps tell."""
    return max((t for t in (row.get('created_at'), row.get('updated_at'),
                            row.get('deleted_at')) if t is not None),
               default=None)


def _supported_instances(text, host):
    """compute_nodes.supported_instances (JSON [[arch, hv_type, vm_mode],
    ...]) as a tuple of canonical triples."""
    if not text:
        return ()
    try:
        entries = json.loads(text) if isinstance(text, str) else text
        return tuple(spec_module.canonical_instance_type(*entry)
                     for entry in entries)
    except (TypeError, ValueError):
        LOG.warning('Compute host %s reports unreadable supported_instances '
                    '%r; images asking for an architecture, hypervisor type '
                    'or vm_mode will not be placed there', host, text)
        return ()


class FairLock:
    """A lock handed over to its waiters in the order they came.

    With a plain lock, the thread that releases it usually takes it again
    before a woken waiter gets the GIL, so under load a few requests wait
    for many others. Handing the lock over keeps every wait at the length
    of the queue ahead.
    """

    def __init__(self):
        self._mutex = threading.Lock()
        self._waiters = collections.deque()
        self._held = False

    def acquire(self):
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        waiter.acquire()        # released by the holder handing over
        return True

    def release(self):
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()


#: Placements a host's view keeps for the rows to come.
PLACED_KEPT = 256


class HostState:
    """What the scheduler knows of one hypervisor node (host, nodename):
    its resources as its compute last reported them, minus what the
    scheduler placed there that the report may not include; its compute
    service; its zone."""

    __slots__ = (
        'host', 'nodename', 'seq', 'compute_id', 'uuid',
        'total_usable_ram_mb', 'free_ram_mb', 'total_usable_disk_gb',
        'free_disk_mb', 'disk_mb_used', 'vcpus_total', 'vcpus_used',
        'num_instances', 'hypervisor_type', 'hypervisor_version',
        'hypervisor_hostname', 'host_ip', 'supported_instances',
        'ram_allocation_ratio', 'cpu_allocation_ratio',
        'disk_allocation_ratio', 'service', 'service_up',
        'availability_zone', 'updated', 'row_stamp', 'placed')

    def __init__(self, host, nodename, seq=0):
        self.host = host
        self.nodename = nodename
        # Order of appearance in the view (the order hosts are listed in).
        self.seq = seq
        self.compute_id = None
        self.uuid = None
        self.total_usable_ram_mb = 0
        self.free_ram_mb = 0
        self.total_usable_disk_gb = 0
        self.free_disk_mb = 0
        self.disk_mb_used = 0
        self.vcpus_total = 0
        self.vcpus_used = 0
        self.num_instances = 0
        self.hypervisor_type = None
        self.hypervisor_version = None
        self.hypervisor_hostname = nodename
        self.host_ip = None
        self.supported_instances = ()
        self.ram_allocation_ratio = CONF.ram_allocation_ratio
        self.cpu_allocation_ratio = CONF.cpu_allocation_ratio
        self.disk_allocation_ratio = CONF.disk_allocation_ratio
        # The newest row taken, and (time, spec) of the placements made
        # here since: trimmed when a row comes, and bounded for a host
        # whose rows stop coming.
        self.row_stamp = None
        self.placed = collections.deque(maxlen=PLACED_KEPT)
        self.service = None
        self.service_up = False
        self.availability_zone = CONF.default_availability_zone
        self.updated = None

    @property
    def key(self):
        return (self.host, self.nodename)

    def update_from_compute_node(self, node):
        """Take the resources of a compute_nodes row (as a dict) when it is
        newer than the last one taken, and count again on top of it the
        placements this view made after the row was written.

        A placement made before the row but not yet claimed by the host
        (the reply, the conductor's save and cast come first) is missing
        from it for a moment: the host's claim makes it write its row
        again (``ResourceTracker.REPORT_DELAY`` later), and that row has
        it. (Skipping every row older than the view's last placement, as
        Nova does, lost the frees a row brings whenever placements kept
        coming: a busy host looked full. Counting placements made shortly
        before the row again would count twice, until the host's next
        row, those the row already holds.)
        """
        row_stamp = node.get('updated_at') or node.get('created_at')
        if (self.row_stamp is not None and row_stamp is not None and
                row_stamp <= self.row_stamp):
            return False
        self.compute_id = node['id']
        self.uuid = node.get('uuid')
        memory_mb = node.get('memory_mb') or 0
        local_gb = node.get('local_gb') or 0
        self.total_usable_ram_mb = memory_mb
        free_ram = node.get('free_ram_mb')
        self.free_ram_mb = (free_ram if free_ram is not None else
                            memory_mb - (node.get('memory_mb_used') or 0))
        self.total_usable_disk_gb = local_gb
        free_gb = node.get('free_disk_gb')
        if free_gb is None:
            free_gb = local_gb - (node.get('local_gb_used') or 0)
        least_gb = node.get('disk_available_least')
        if least_gb is not None:
            # Thin (qcow2) disks may grow: trust the hypervisor's own
            # figure when it is the lower one.
            free_gb = min(least_gb, free_gb)
        self.free_disk_mb = free_gb * 1024
        self.disk_mb_used = (node.get('local_gb_used') or 0) * 1024
        self.vcpus_total = node.get('vcpus') or 0
        self.vcpus_used = node.get('vcpus_used') or 0
        self.num_instances = node.get('running_vms') or 0
        self.hypervisor_type = node.get('hypervisor_type')
        self.hypervisor_version = node.get('hypervisor_version')
        self.hypervisor_hostname = (node.get('hypervisor_hostname') or
                                    self.nodename)
        self.host_ip = node.get('host_ip')
        self.supported_instances = _supported_instances(
            node.get('supported_instances'), self.host)
        # A node's own ratio wins; unset (or 0.0) falls back to the option.
        self.ram_allocation_ratio = (node.get('ram_allocation_ratio') or
                                     CONF.ram_allocation_ratio)
        self.cpu_allocation_ratio = (node.get('cpu_allocation_ratio') or
                                     CONF.cpu_allocation_ratio)
        self.disk_allocation_ratio = (node.get('disk_allocation_ratio') or
                                      CONF.disk_allocation_ratio)
        self.updated = self.row_stamp = row_stamp
        if row_stamp is not None:
            while self.placed and self.placed[0][0] <= row_stamp:
                self.placed.popleft()
        for _, spec in self.placed:
            self._take(spec)
        return True

    def update_from_service(self, service, up=None):
        """Take the compute service of this host (a services row as a dict,
        or None when the host has none) and whether it is up, as
        nimbus.servicegroup judges it now (judged here when not given)."""
        self.service = service
        if up is None:
            up = service is not None and servicegroup.service_is_up(service)
        self.service_up = up
        zone = service.get('availability_zone') if service else None
        self.availability_zone = zone or CONF.default_availability_zone

    def consume_from_request(self, spec):
        """Account for one instance of ``spec`` placed here."""
        self._take(spec)
        self.updated = spec.now or timeutils.utcnow()
        self.placed.append((self.updated, spec))

    def _take(self, spec):
        self.free_ram_mb -= spec.memory_mb
        self.free_disk_mb -= spec.disk_mb
        self.disk_mb_used += spec.disk_mb
        self.vcpus_used += spec.vcpus
        self.num_instances += 1

    def release_from_request(self, spec):
        """Undo consume_from_request (a request that did not fit whole)."""
        self.free_ram_mb += spec.memory_mb
        self.free_disk_mb += spec.disk_mb
        self.disk_mb_used -= spec.disk_mb
        self.vcpus_used -= spec.vcpus
        self.num_instances -= 1
        for index in range(len(self.placed) - 1, -1, -1):
            if self.placed[index][1] is spec:
                del self.placed[index]
                break

    def __repr__(self):
        return ('<HostState %s/%s ram %sMB free, disk %sMB free, vcpus %s/%s,'
                ' %s instances>' % (self.host, self.nodename,
                                    self.free_ram_mb, self.free_disk_mb,
                                    self.vcpus_used, self.vcpus_total,
                                    self.num_instances))


class HostManager:
    """The host view: HostStates by (host, nodename), kept current."""

    def __init__(self):
        #: Held while the view changes and while a request selects and
        #: consumes; never held across database or RPC I/O.
        self.lock = FairLock()
        self._seq = itertools.count()
        self._reset_view()

    def _reset_view(self):
        self.host_states = {}           # (host, node) -> HostState
        self._keys_by_host = {}         # host -> {(host, node)}
        self._key_by_node_id = {}       # compute_nodes.id -> (host, node)
        self._services = {}             # host -> compute service dict
        self._service_up = {}           # host -> bool, as last judged
        self._row_stamps = {}           # ('node'|'service', id) -> stamp
        self._node_watermark = None
        self._service_watermark = None
        self._liveness_checks = []      # heap of (when, tiebreak, host)
        self._next_check = {}           # host -> when, if one is pending
        self._sorted_states = None
        self._changes = []
        self._changes_start = 0
        #: Bumped by a full load: every position in the old log is void.
        self.generation = getattr(self, 'generation', -1) + 1
        self.loaded = False

    # The change log -----------------------------------------------------

    @property
    def change_position(self):
        return self._changes_start + len(self._changes)

    def changes_since(self, position):
        """Keys changed since ``position`` (may repeat), or None when the
        log no longer reaches back that far."""
        if position < self._changes_start:
            return None
        return self._changes[position - self._changes_start:]

    def _changed(self, key):
        self._changes.append(key)
        limit = max(4096, 4 * len(self.host_states))
        if len(self._changes) > limit:
            drop = len(self._changes) - limit // 2
            del self._changes[:drop]
            self._changes_start += drop

    # Reading the view ---------------------------------------------------

    def get_all_host_states(self):
        """Schedulable hosts (those with a compute service), in view
        order. The list is shared: do not change it."""
        if self._sorted_states is None:
            self._sorted_states = sorted(
                (s for s in self.host_states.values()
                 if s.service is not None), key=lambda s: s.seq)
        return self._sorted_states

    # Loading and syncing ------------------------------------------------

    def load(self, context):
        """Read every live compute node and compute service (the start)."""
        nodes = scheduler_db.compute_nodes_changed_since(context)
        services = scheduler_db.services_changed_since(context,
                                                       COMPUTE_BINARY)
        with self.lock:
            self._reset_view()
            self._apply(services, nodes, timeutils.utcnow())
            self.loaded = True
        LOG.info('Host view loaded: %d compute nodes, %d compute services',
                 len(nodes), len(services))

    def apply_rows(self, services, nodes, now=None):
        """Apply services and compute_nodes rows (dicts, as the queries
        of nimbus.db.api.scheduler return them); returns how many changed
        the view."""
        with self.lock:
            self.loaded = True
            return self._apply(services, nodes, now or timeutils.utcnow())

    def sync(self, context):
        """Apply the rows changed since the last read; returns how many
        rows changed anything. Loads everything the first time."""
        if not self.loaded:
            self.load(context)
            return len(self.host_states)
        overlap = datetime.timedelta(seconds=CONF.scheduler.sync_overlap)
        generation = self.generation
        nodes = scheduler_db.compute_nodes_changed_since(
            context, self._since(self._node_watermark, overlap))
        services = scheduler_db.services_changed_since(
            context, COMPUTE_BINARY,
            self._since(self._service_watermark, overlap))
        with self.lock:
            if generation != self.generation:
                return 0    # a full load happened meanwhile; it is newer
            applied = self._apply(services, nodes, timeutils.utcnow())
        if applied:
            LOG.debug('Host view: %d changed rows applied', applied)
        return applied

    @staticmethod
    def _since(watermark, overlap):
        return None if watermark is None else watermark - overlap

    def _apply(self, services, nodes, now):
        applied = 0
        for row in services:
            stamp = _stamp(row)
            if self._is_new(('service', row['id']), stamp):
                self._service_watermark = self._advance(
                    self._service_watermark, stamp, now)
                applied += self._apply_service(row, now)
        for row in nodes:
            stamp = _stamp(row)
            if self._is_new(('node', row['id']), stamp):
                self._node_watermark = self._advance(
                    self._node_watermark, stamp, now)
                applied += self._apply_node(row)
        self.check_liveness(now)
        return applied

    @staticmethod
    def _advance(watermark, stamp, now):
        """The newest timestamp seen, but never past this host's clock: a
        writer whose clock runs ahead must not make the next reads skip
        rows stamped by the others."""
        if stamp is None or (watermark is not None and stamp <= watermark):
            return watermark
        return min(stamp, now)

    def _is_new(self, row_key, stamp):
        if self._row_stamps.get(row_key, ()) == stamp:
            return False
        self._row_stamps[row_key] = stamp
        return True

    def _apply_service(self, row, now):
        host = row['host']
        current = self._services.get(host)
        if row['deleted']:
            if current is None or current['id'] != row['id']:
                return 0
            del self._services[host]
            self._service_up.pop(host, None)
            self._set_service(host, None, False)
            return 1
        was_up = self._service_up.get(host)
        up = servicegroup.service_is_up(row, now)
        self._services[host] = row
        self._service_up[host] = up
        self._schedule_liveness_check(host, row, now)
        relevant = ('disabled', 'forced_down', 'availability_zone', 'id')
        if (current is not None and was_up == up and
                all(current.get(f) == row.get(f) for f in relevant)):
            # A heartbeat: keep the newest row, nobody's verdict changes.
            for key in self._keys_by_host.get(host, ()):
                self.host_states[key].service = row
            return 0
        self._set_service(host, row, up)
        return 1

    def _set_service(self, host, service, up):
        self._sorted_states = None
        for key in self._keys_by_host.get(host, ()):
            self.host_states[key].update_from_service(service, up)
            self._changed(key)

    def _apply_node(self, row):
        key = self._key_by_node_id.get(row['id'])
        if row['deleted']:
            if key is None:
                return 0
            del self._key_by_node_id[row['id']]
            state = self.host_states.get(key)
            if state is not None and state.compute_id == row['id']:
                self._remove_state(key)
                return 1
            return 0
        new_key = (row['host'], row['hypervisor_hostname'] or row['host'])
        if key is not None and key != new_key:
            self._remove_state(key)
        self._key_by_node_id[row['id']] = new_key
        state = self.host_states.get(new_key)
        if state is None:
            state = HostState(*new_key, seq=next(self._seq))
            state.update_from_service(self._services.get(new_key[0]),
                                      self._service_up.get(new_key[0], False))
            self.host_states[new_key] = state
            self._keys_by_host.setdefault(new_key[0], set()).add(new_key)
            self._sorted_states = None
        if not state.update_from_compute_node(row):
            return 0
        self._changed(new_key)
        return 1

    def _remove_state(self, key):
        self.host_states.pop(key, None)
        keys = self._keys_by_host.get(key[0])
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._keys_by_host[key[0]]
        self._sorted_states = None
        self._changed(key)

    # Liveness -----------------------------------------------------------

    def _schedule_liveness_check(self, host, service, now):
        """Plan to re-judge the service when its verdict would flip
        without any row change: when its last heartbeat gets too old (or,
        for a clock running ahead, becomes young enough)."""
        last = servicegroup.last_heartbeat(service)
        if last is None or service.get('forced_down'):
            return
        down_time = datetime.timedelta(seconds=CONF.service_down_time)
        last = timeutils.normalize_time(last)
        when = last + down_time if last - down_time <= now else (
            last - down_time)
        if when < now:
            return      # already down; only a new heartbeat changes that
        pending = self._next_check.get(host)
        if pending is not None and pending <= when:
            return      # that check will plan the next one
        self._next_check[host] = when
        heapq.heappush(self._liveness_checks, (when, next(self._seq), host))

    def check_liveness(self, now):
        """Re-judge the services whose check is due; log the hosts of
        those that went up or down. Cheap when nothing is due."""
        checks = self._liveness_checks
        while checks and checks[0][0] < now:
            when, _, host = heapq.heappop(checks)
            if self._next_check.get(host) != when:
                continue
            del self._next_check[host]
            service = self._services.get(host)
            if service is None:
                continue
            up = servicegroup.service_is_up(service, now)
            if up != self._service_up.get(host):
                self._service_up[host] = up
                LOG.info('Compute service on %s is now %s', host,
                         'up' if up else 'down')
                for key in self._keys_by_host.get(host, ()):
                    self.host_states[key].service_up = up
                    self._changed(key)
            self._schedule_liveness_check(host, service, now)

    # Placing ------------------------------------------------------------

    def consume(self, state, spec):
        state.consume_from_request(spec)
        self._changed(state.key)

    def release(self, state, spec):
        state.release_from_request(spec)
        self._changed(state.key)
