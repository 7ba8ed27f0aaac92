"""Host pools: the filter scheduler's cache of filtered, sorted hosts.

Filtering and weighing every host on every request costs milliseconds
with a thousand hosts, and serialized requests queue behind each other.
Yet between two requests only a few hosts change: those the previous
request consumed, and those a view sync or a liveness check touched.

A ``HostPool`` holds, for one request key (what the cacheable filters
look at: zone, flavor sizes, image kind), the hosts that pass every
cacheable filter, each weigher's values of them in a sorted list, and the
position in the host manager's change log it has caught up to. Catching
up re-judges only the hosts logged as changed.

``select`` then finds the best-weighed hosts without weighing them all.
A host's weight is the sum over weighers of
``multiplier × (value - lowest) / (highest - lowest)``, lowest and highest
taken over the candidates; the sorted lists give those bounds at their
ends. The search reads the lists from their best ends in step (Fagin's
threshold algorithm): every host not yet read weighs at most the sum of
the terms at the current depth, so it stops as soon as the hosts found
weigh that much. When hosts are alike (the usual fleet) that is after a
handful of hosts. Filters that are not cacheable (retries, hints) are
asked only about the hosts the search reads. The weights are the same
floats the plain weighing (``weights.get_weighed_hosts``) gives; only the
choice between hosts of exactly equal weight may differ.
"""

import bisect
import heapq

from nimbus.scheduler import weights


class HostPool:
    def __init__(self, host_manager, filters, weighers):
        self.host_manager = host_manager
        self.filters = filters           # the cacheable ones
        self.weighers = weighers         # all cacheable
        self.members = {}                # key -> (state, weigher values)
        self.by_weigher = [[] for _ in weighers]   # [(value, seq, state)]
        self.by_seq = []                 # [(seq, state)]
        self.generation = None
        self.position = None

    def __len__(self):
        return len(self.members)

    # Keeping up with the host view --------------------------------------

    def refresh(self, spec):
        """Catch up with the host view; ``spec`` is any request of this
        pool's key (the cacheable filters' verdicts are the same)."""
        hm = self.host_manager
        changes = None
        if self.generation == hm.generation:
            changes = hm.changes_since(self.position)
        if changes is None or len(changes) > max(64,
                                                 len(hm.host_states) // 4):
            self._rebuild(spec)
        else:
            for key in set(changes):
                self._update(key, spec)
        self.generation = hm.generation
        self.position = hm.change_position

    def _passes(self, state, spec):
        if state.service is None:
            return False
        for host_filter in self.filters:
            if not host_filter.host_passes(state, spec):
                return False
        return True

    def _values(self, state, spec):
        return tuple(w.weigh_object(state, spec) for w in self.weighers)

    def _rebuild(self, spec):
        self.members = {}
        for state in self.host_manager.get_all_host_states():
            if self._passes(state, spec):
                self.members[state.key] = (state, self._values(state, spec))
        self.by_weigher = [
            sorted((values[i], state.seq, state)
                   for state, values in self.members.values())
            for i in range(len(self.weighers))]
        self.by_seq = sorted((state.seq, state)
                             for state, _ in self.members.values())

    def _update(self, key, spec):
        old = self.members.pop(key, None)
        if old is not None:
            state, values = old
            for value, entries in zip(values, self.by_weigher):
                del entries[bisect.bisect_left(entries, (value, state.seq))]
            del self.by_seq[bisect.bisect_left(self.by_seq, (state.seq,))]
        state = self.host_manager.host_states.get(key)
        if state is None or not self._passes(state, spec):
            return
        values = self._values(state, spec)
        self.members[key] = (state, values)
        for value, entries in zip(values, self.by_weigher):
            bisect.insort(entries, (value, state.seq, state))
        bisect.insort(self.by_seq, (state.seq, state))

    # Choosing ------------------------------------------------------------

    def select(self, spec, request_filters, multipliers, count):
        """Up to ``count`` [(weight, state)], best first, among the pool's
        hosts that also pass ``request_filters``."""
        if not self.members:
            return []
        if request_filters:
            verdicts = {}

            def candidate(state):
                verdict = verdicts.get(state.seq)
                if verdict is None:
                    verdict = all(f.host_passes(state, spec)
                                  for f in request_filters)
                    verdicts[state.seq] = verdict
                return verdict
        else:
            candidate = None

        terms = []          # (weigher index, multiplier, lowest, spread)
        for i, multiplier in enumerate(multipliers):
            if not multiplier:
                continue
            entries = self.by_weigher[i]
            lowest = self._first(entries, candidate)
            if lowest is None:
                return []       # no candidate at all
            highest = self._first(reversed(entries), candidate)
            if lowest != highest:
                terms.append((i, multiplier, lowest, highest - lowest))
        if not terms:
            return self._first_by_seq(candidate, count)
        return self._threshold_search(terms, candidate, count)

    @staticmethod
    def _first(entries, candidate):
        for value, _, state in entries:
            if candidate is None or candidate(state):
                return value
        return None

    def _first_by_seq(self, candidate, count):
        # Every candidate weighs 0: take them in view order, as a stable
        # sort of equal weights would.
        found = []
        for _, state in self.by_seq:
            if candidate is None or candidate(state):
                found.append((0.0, state))
                if len(found) == count:
                    break
        return found

    def _threshold_search(self, terms, candidate, count):
        weight_of = weights.weight_of
        members = self.members
        lists = [(self.by_weigher[i], multiplier > 0)
                 for i, multiplier, _, _ in terms]
        best = []           # min-heap of (weight, -seq, state), <= count
        seen = set()
        for depth in range(len(members)):
            threshold = 0.0
            for (entries, from_top), (_, multiplier, lowest, spread) in zip(
                    lists, terms):
                value, seq, state = (entries[-1 - depth] if from_top
                                     else entries[depth])
                threshold += weight_of(multiplier, value, lowest, spread)
                if seq in seen:
                    continue
                seen.add(seq)
                if candidate is not None and not candidate(state):
                    continue
                values = members[state.key][1]
                weight = 0.0
                for i, m, low, spr in terms:
                    weight += weight_of(m, values[i], low, spr)
                item = (weight, -seq, state)
                if len(best) < count:
                    heapq.heappush(best, item)
                elif item[:2] > best[0][:2]:
                    heapq.heapreplace(best, item)
            if len(best) == count and best[0][0] >= threshold:
                break
        best.sort(key=lambda item: item[:2], reverse=True)
        return [(weight, state) for weight, _, state in best]
