"""Host pools: the filter scheduler's cache of filtered, weighed hosts.

Filtering and weighing every host on every request costs milliseconds
with a thousand hosts, and requests are placed one at a time. Yet between
two requests only a few hosts change: those the previous request
consumed, and those a view sync or a liveness check touched.

A ``HostPool`` holds, for one request key (what the cacheable filters
look at: zone, flavor sizes, image kind), the hosts that pass every
cacheable filter, and the position in the host manager's change log it
has caught up to; catching up re-judges only the hosts logged since.

Weights are normalized by the lowest and highest value of each weigher
among the candidates; the pool keeps each weigher's values sorted, so
those are at the ends. It also keeps the hosts in a heap by weight,
computed with the current normalization: a changed host is pushed again
(its old entry is skipped when it surfaces), and only when a lowest or
highest value moves are all weights computed again. Filters that are not
cacheable (retries, hints) are asked only about the hosts taken from the
heap; in the rare case where the hosts they refuse hold a lowest or
highest value, the candidates are weighed the plain way.

The result is the plain one (``weights.get_weighed_hosts`` over the hosts
that pass every filter, in view order), to the last bit and tie.
"""

import bisect
import heapq

from nimbus.scheduler import weights


def weigh_function(terms):
    """values -> weight for ``terms`` [(weigher index, multiplier, lowest,
    spread)]: the sum of ``weights.weight_of`` over the terms, in order,
    from 0.0 (spelled out for up to three terms, for speed)."""
    if not terms:
        return lambda values: 0.0
    if len(terms) == 1:
        ((i0, m0, l0, s0),) = terms
        return lambda v: 0.0 + m0 * ((v[i0] - l0) / s0)
    if len(terms) == 2:
        (i0, m0, l0, s0), (i1, m1, l1, s1) = terms
        return lambda v: (0.0 + m0 * ((v[i0] - l0) / s0)
                          + m1 * ((v[i1] - l1) / s1))
    if len(terms) == 3:
        (i0, m0, l0, s0), (i1, m1, l1, s1), (i2, m2, l2, s2) = terms
        return lambda v: (0.0 + m0 * ((v[i0] - l0) / s0)
                          + m1 * ((v[i1] - l1) / s1)
                          + m2 * ((v[i2] - l2) / s2))

    def weigh(values):
        weight = 0.0
        for i, multiplier, lowest, spread in terms:
            weight += weights.weight_of(multiplier, values[i], lowest,
                                        spread)
        return weight
    return weigh


def weight_terms(multipliers, lows, highs):
    """The terms of the weights, given each weigher's lowest and highest
    value among the candidates: weighers with no multiplier, or on which
    all candidates are equal, add nothing."""
    return tuple((i, multiplier, lows[i], highs[i] - lows[i])
                 for i, multiplier in enumerate(multipliers)
                 if multiplier and lows[i] != highs[i])


class HostPool:
    def __init__(self, host_manager, filters, weighers):
        self.host_manager = host_manager
        self.filters = filters           # the cacheable ones
        self.weighers = weighers         # all cacheable
        self._checks = [f.host_passes for f in filters]
        self._weigh_objects = [w.weigh_object for w in weighers]
        self.members = {}                # key -> (state, values, version)
        self.by_weigher = [[] for _ in weighers]   # [(value, seq, key)]
        self.heap = []          # [(-weight, seq, version, key)]
        self.terms = None       # what the heap's weights were computed with
        self.weigh = None
        self.generation = None
        self.position = None
        self._version = 0

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
        for check in self._checks:
            if not check(state, spec):
                return False
        return True

    def _values(self, state, spec):
        return tuple([weigh(state, spec) for weigh in self._weigh_objects])

    def _rebuild(self, spec):
        self.members = {}
        for state in self.host_manager.get_all_host_states():
            if self._passes(state, spec):
                self.members[state.key] = (state, self._values(state, spec),
                                           0)
        self.by_weigher = [
            sorted((values[i], state.seq, key)
                   for key, (state, values, _) in self.members.items())
            for i in range(len(self.weighers))]
        self.terms = None

    def _update(self, key, spec):
        old = self.members.pop(key, None)
        state = self.host_manager.host_states.get(key)
        values = None
        if state is not None and self._passes(state, spec):
            values = self._values(state, spec)
        # A weigher's sorted list changes only where the value moved.
        kept = (old is not None and values is not None and old[0] is state)
        if old is not None:
            old_state, old_values, _ = old
            for i, entries in enumerate(self.by_weigher):
                if not kept or old_values[i] != values[i]:
                    del entries[bisect.bisect_left(
                        entries, (old_values[i], old_state.seq))]
        if values is None:
            return
        self._version += 1
        self.members[key] = (state, values, self._version)
        for i, entries in enumerate(self.by_weigher):
            if not kept or old[1][i] != values[i]:
                bisect.insort(entries, (values[i], state.seq, key))
        if self.terms is not None:
            heapq.heappush(self.heap, (-self.weigh(values), state.seq,
                                       self._version, key))

    def _reweigh(self, terms):
        """Weigh every member again, for new normalization terms."""
        weigh = weigh_function(terms)
        self.heap = [(-weigh(values), state.seq, version, key)
                     for key, (state, values, version)
                     in self.members.items()]
        heapq.heapify(self.heap)
        self.terms, self.weigh = terms, weigh

    # Choosing ------------------------------------------------------------

    def select(self, spec, request_filters, multipliers, count):
        """Up to ``count`` [(weight, state)], best first (ties in view
        order), among the pool's hosts that also pass
        ``request_filters``."""
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

        lows = [entries[0][0] for entries in self.by_weigher]
        highs = [entries[-1][0] for entries in self.by_weigher]
        terms = weight_terms(multipliers, lows, highs)
        if terms != self.terms or len(self.heap) > 2 * len(self.members) + 64:
            self._reweigh(terms)
        if candidate is not None:
            # The candidates' own lowest and highest values normalize.
            extremes = self._candidate_extremes(multipliers, candidate)
            if extremes is None:
                return []
            if weight_terms(multipliers, *extremes) != terms:
                return self._weigh_candidates(spec, candidate, multipliers,
                                              count)
        return self._take_best(candidate, count)

    def _candidate_extremes(self, multipliers, candidate):
        members = self.members
        lows, highs = [], []
        for multiplier, entries in zip(multipliers, self.by_weigher):
            if not multiplier:
                lows.append(None)
                highs.append(None)
                continue
            ends = []
            for ordered in (entries, reversed(entries)):
                for value, _, key in ordered:
                    if candidate(members[key][0]):
                        ends.append(value)
                        break
                else:
                    return None
            lows.append(ends[0])
            highs.append(ends[1])
        return lows, highs

    def _weigh_candidates(self, spec, candidate, multipliers, count):
        hosts = sorted((state for state, _, _ in self.members.values()
                        if candidate(state)), key=lambda s: s.seq)
        return weights.get_weighed_hosts(self.weighers, hosts, spec,
                                         multipliers)[:count]

    def _take_best(self, candidate, count):
        heap, members = self.heap, self.members
        found, refused = [], []
        while heap and len(found) < count:
            entry = heapq.heappop(heap)
            member = members.get(entry[3])
            if member is None or member[2] != entry[2]:
                continue            # stale: the host changed or left
            refused_or_found = (found if candidate is None or
                                candidate(member[0]) else refused)
            refused_or_found.append((entry, member[0]))
        for entry, _ in found + refused:
            heapq.heappush(heap, entry)
        return [(-entry[0], state) for entry, state in found]
