"""Host pools: the filter scheduler's cache of filtered hosts and their
weigher values.

Filtering and weighing every host on every request costs milliseconds
with a thousand hosts, and requests are placed one at a time. Yet between
two requests only a few hosts change: those the previous request
consumed, and those a view sync or a liveness check touched.

A ``HostPool`` holds, for one request key (what the cacheable filters
other than the numeric ones look at: zone, image kind), the hosts that
pass those filters, and the position in the host manager's change log it
has caught up to; catching up re-judges only the hosts logged since. The
numeric filters (RAM, vCPUs, disk) are judged per request for all the
pool's hosts at once, from the headroom kept for each, so requests of
every flavor share a pool.

Each weigher's values of the pool's hosts sit in one numpy row (a host in
the same column of every row), so a request reads the lowest and highest
value of each weigher, normalizes and sums in a few array operations.
Weights depend on those ends: they are kept from one request to the next
and computed again whole only when an end moves, else only for the hosts
that changed. The arithmetic is ``weights.weight_of``'s, term by term in
weigher order, in IEEE doubles, as the plain path's Python floats are.

Filters that are not cacheable (retries, hints) are asked only about the
hosts needed: from each end of every weigher's order the first host they
pass (the candidates' own lowest and highest values normalize), then the
hosts in order of weight until enough pass.

The result is the plain one (``weights.get_weighed_hosts`` over the hosts
that pass every filter, in view order), to the last bit and tie.
"""

import numpy

#: Columns a pool's arrays start with; they double when full.
INITIAL_CAPACITY = 64


class HostPool:
    def __init__(self, host_manager, filters, weighers):
        self.host_manager = host_manager
        self.filters = filters           # the cacheable ones
        self.weighers = weighers         # all cacheable
        # Numeric filters are judged per request, for all hosts at once,
        # from each host's headroom: they are not in the pool's key.
        self._checks = [f.host_passes for f in filters if not f.rooms]
        self._numeric = [f for f in filters if f.rooms]
        self._rooms = sum(f.rooms for f in self._numeric)
        self._weigh_objects = [w.weigh_object for w in weighers]
        self.generation = None
        self.position = None
        self._reset(INITIAL_CAPACITY)

    def _reset(self, capacity):
        self._column = {}       # key -> column
        self._states = []       # column -> HostState
        self._values = numpy.empty((len(self.weighers), capacity))
        self._room = numpy.empty((self._rooms, capacity))
        self._seqs = numpy.empty(capacity, dtype=numpy.int64)
        # The weights of the columns as of the last request, the ends they
        # were normalized with, and the columns changed since.
        self._weights = None
        self._ends = None
        self._terms = None
        self._dirty = set()

    def __len__(self):
        return len(self._states)

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

    def _set(self, column, state, spec):
        """Fill ``column`` with ``state``'s weigher values and headroom."""
        self._values[:, column] = [weigh(state, spec)
                                   for weigh in self._weigh_objects]
        if self._numeric:
            self._room[:, column] = [room for f in self._numeric
                                     for room in f.headroom(state)]
        self._seqs[column] = state.seq
        self._dirty.add(column)

    def _rebuild(self, spec):
        states = [state for state in self.host_manager.get_all_host_states()
                  if self._passes(state, spec)]
        self._reset(max(INITIAL_CAPACITY, 2 * len(states)))
        for state in states:
            self._add(state, spec)

    def _add(self, state, spec):
        column = len(self._states)
        if column == self._seqs.shape[0]:
            self._grow()
        self._column[state.key] = column
        self._states.append(state)
        self._set(column, state, spec)

    def _grow(self):
        size = len(self._states)
        capacity = 2 * self._seqs.shape[0]
        values = numpy.empty((len(self.weighers), capacity))
        values[:, :size] = self._values[:, :size]
        room = numpy.empty((self._rooms, capacity))
        room[:, :size] = self._room[:, :size]
        seqs = numpy.empty(capacity, dtype=numpy.int64)
        seqs[:size] = self._seqs[:size]
        self._values, self._room, self._seqs = values, room, seqs
        if self._weights is not None:
            weights = numpy.empty(capacity)
            weights[:len(self._states)] = self._weights[:len(self._states)]
            self._weights = weights

    def _remove(self, column):
        """Drop a column; the last one moves into its place."""
        last = len(self._states) - 1
        del self._column[self._states[column].key]
        if column != last:
            moved = self._states[last]
            self._states[column] = moved
            self._column[moved.key] = column
            self._values[:, column] = self._values[:, last]
            self._room[:, column] = self._room[:, last]
            self._seqs[column] = self._seqs[last]
            self._dirty.add(column)
        self._states.pop()
        self._dirty.discard(last)

    def _update(self, key, spec):
        state = self.host_manager.host_states.get(key)
        column = self._column.get(key)
        if state is None or not self._passes(state, spec):
            if column is not None:
                self._remove(column)
            return
        if column is None:
            self._add(state, spec)
            return
        self._states[column] = state
        self._set(column, state, spec)

    # Choosing ------------------------------------------------------------

    def select(self, spec, request_filters, multipliers, count):
        """Up to ``count`` [(weight, state)], best first (ties in view
        order), among the pool's hosts that also pass
        ``request_filters``."""
        size = len(self._states)
        if not size:
            return []
        values = self._values[:, :size]
        fits = None
        if self._numeric:
            need = [n for f in self._numeric for n in f.need(spec)]
            fits = (self._room[:, :size] >=
                    numpy.array(need, dtype=float)[:, None]).all(axis=0)
            if fits.all():
                fits = None         # the common case: every host has room
            elif not fits.any():
                return []
        if request_filters:
            return self._select_among(spec, request_filters, multipliers,
                                      count, values, fits)
        candidates = values if fits is None else values[:, fits]
        ends = (tuple(candidates.min(axis=1).tolist()),
                tuple(candidates.max(axis=1).tolist()), tuple(multipliers))
        weights = self._current_weights(values, ends)
        if fits is not None:
            weights = numpy.where(fits, weights, -numpy.inf)
        if count == 1:
            best = weights.max()
            ties = numpy.flatnonzero(weights == best)
            column = ties[0] if len(ties) == 1 else ties[
                self._seqs[ties].argmin()]
            return [(float(best), self._states[column])]
        order = self._order(weights)
        if fits is not None:
            order = order[fits[order]]
        return [(float(weights[column]), self._states[column])
                for column in order[:count]]

    def _current_weights(self, values, ends):
        """The weights of every column, normalized by ``ends``; computed
        whole when the ends moved, else only for the changed columns."""
        size = len(self._states)
        if ends != self._ends or self._weights is None:
            if self._weights is None or self._weights.shape[0] < size:
                self._weights = numpy.empty(self._seqs.shape[0])
            self._weights[:size] = weigh_all(values, *ends)
            self._ends = ends
            self._terms = terms_of(*ends)
        elif self._dirty:
            columns = [c for c in self._dirty if c < size]
            terms = self._terms
            self._weights[columns] = [
                weigh_one(column_values, terms)
                for column_values in values[:, columns].T.tolist()]
        self._dirty.clear()
        return self._weights[:size]

    def _order(self, weights):
        """Columns best first, ties in view order."""
        return numpy.lexsort((self._seqs[:len(self._states)], -weights))

    def _select_among(self, spec, request_filters, multipliers, count,
                      values, fits):
        """select() when per-request filters refuse some hosts: normalized
        by the ends of the hosts they pass (among those that ``fits``, when
        given)."""
        states = self._states
        verdicts = {}

        def passes(column):
            verdict = verdicts.get(column)
            if verdict is None:
                state = states[column]
                verdict = all(f.host_passes(state, spec)
                              for f in request_filters)
                verdicts[column] = verdict
            return verdict

        lows, highs = [], []
        for row, multiplier in zip(values, multipliers):
            if not multiplier:
                lows.append(0.0)
                highs.append(0.0)
                continue
            order = row.argsort(kind='stable')
            if fits is not None:
                order = order[fits[order]]
            low = next((c for c in order if passes(c)), None)
            if low is None:
                return []
            high = next(c for c in order[::-1] if passes(c))
            lows.append(row[low])
            highs.append(row[high])
        weights = weigh_all(values, lows, highs, multipliers)
        order = self._order(weights)
        if fits is not None:
            order = order[fits[order]]
        found = []
        for column in order:
            if passes(column):
                found.append((float(weights[column]), states[column]))
                if len(found) == count:
                    break
        return found


def terms_of(lows, highs, multipliers):
    """[(weigher index, multiplier, lowest, spread)] of the weighers that
    add to the weights."""
    return [(i, multiplier, low, high - low) for i, (low, high, multiplier)
            in enumerate(zip(lows, highs, multipliers))
            if multiplier and low != high]


def weigh_one(values, terms):
    """weigh_all for one host's values (Python floats: the same IEEE
    arithmetic, without an array's overhead for a few hosts)."""
    weight = 0.0
    for i, multiplier, low, spread in terms:
        weight += multiplier * ((values[i] - low) / spread)
    return weight


def weigh_all(values, lows, highs, multipliers):
    """Weights of the columns of ``values`` (a row per weigher): the sum of
    ``weights.weight_of`` over the weighers with a multiplier whose lowest
    and highest values differ, in weigher order, from 0.0."""
    weights = numpy.zeros(values.shape[1])
    for row, low, high, multiplier in zip(values, lows, highs, multipliers):
        if multiplier and low != high:
            weights += multiplier * ((row - low) / (high - low))
    return weights
