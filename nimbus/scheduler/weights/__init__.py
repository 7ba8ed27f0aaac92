"""Host weighers: rank the hosts left after filtering.

Each weigher gives a host a raw value (free RAM, say). As Nova does, the
values of one weigher are normalized over the candidate hosts to 0..1
(lowest to highest; all 0 when they are all equal), multiplied by the
weigher's multiplier and summed over the weighers; the highest total wins.
A positive multiplier spreads instances over hosts, a negative one stacks
them.

``cacheable`` weighers derive their value from the host's state alone, so
the filter scheduler can keep hosts sorted by it between requests.
"""

from oslo_utils import importutils

from nimbus.scheduler import plugins

ALL_WEIGHERS = 'nimbus.scheduler.weights.all_weighers'


class BaseHostWeigher:
    #: The value depends only on the host's state, not on the request.
    cacheable = True

    @property
    def name(self):
        return type(self).__name__

    def weight_multiplier(self):
        return 1.0

    def weigh_object(self, host_state, spec):
        raise NotImplementedError()


def weight_of(multiplier, value, lowest, spread):
    """One weigher's term of a host's weight: its normalized value
    (``spread`` = highest - lowest > 0) times the multiplier. Every code
    path computes a host's weight with this, term by term in weigher
    order, so they agree to the last bit."""
    return multiplier * ((value - lowest) / spread)


def get_weighed_hosts(weighers, host_states, spec, multipliers=None):
    """[(weight, host_state)], best first; ties keep the given order."""
    weights = [0.0] * len(host_states)
    if multipliers is None:
        multipliers = [w.weight_multiplier() for w in weighers]
    for weigher, multiplier in zip(weighers, multipliers):
        if not multiplier or not host_states:
            continue
        values = [weigher.weigh_object(h, spec) for h in host_states]
        lowest, highest = min(values), max(values)
        if lowest == highest:
            continue
        spread = highest - lowest
        for i, value in enumerate(values):
            weights[i] += weight_of(multiplier, value, lowest, spread)
    order = sorted(range(len(host_states)), key=lambda i: -weights[i])
    return [(weights[i], host_states[i]) for i in order]


def all_weighers():
    """Every weigher class of this package, by class name."""
    return plugins.classes_in(__name__, BaseHostWeigher)


def load_weighers(names):
    """Instances of the named weighers, in order (``all_weighers`` expands
    to every weigher here, sorted by name)."""
    known = all_weighers()
    weighers = []
    for name in names:
        if name in (ALL_WEIGHERS, 'all_weighers'):
            classes = [known[n] for n in sorted(known)]
        elif name in known:
            classes = [known[name]]
        elif '.' in name:
            classes = [importutils.import_class(name)]
        else:
            raise ValueError('Unknown scheduler weigher %r (known: %s)'
                             % (name, ', '.join(sorted(known))))
        for cls in classes:
            if not (isinstance(cls, type) and
                    issubclass(cls, BaseHostWeigher)):
                raise ValueError('%s is not a host weigher' % name)
            if not any(type(w) is cls for w in weighers):
                weighers.append(cls())
    return weighers
