"""Host filters: each decides whether one host can take the request.

A filter is a ``BaseHostFilter`` subclass, one module each in this
package, enabled by class name in ``scheduler_default_filters`` (a dotted
path loads one from elsewhere). ``host_passes`` is its meaning; the rest
lets the filter scheduler avoid calling it for every host on every request:

* ``cacheable`` filters judge a host only by its state (resources, service
  and its liveness, zone, hypervisor) and by ``request_key(spec)``. The
  scheduler keeps their verdicts per key and re-asks only for hosts that
  changed since.
* ``rooms`` > 0 marks a cacheable filter whose verdict is a comparison
  of numbers: the host passes when each of its ``headroom(host_state)``
  is at least the matching ``need(spec)``. The scheduler then judges all
  hosts at once, and requests that differ only in what they need share
  the cache (RAM, vCPUs, disk).
* the others (per-request lists: retries, hints) are asked for the hosts
  the scheduler actually considers, and skipped when ``is_active(spec)``
  says the request gives them nothing to check.
* ``prepare`` runs once per request before the host view is locked, for
  work such as database look-ups.
* ``limits`` tells the compute claim the ceilings a filter checked
  (oversubscribed RAM, vCPUs, disk).
"""

from oslo_utils import importutils

from nimbus.scheduler import plugins


class BaseHostFilter:
    #: True when the verdict depends only on the host's state and on
    #: ``request_key(spec)``.
    cacheable = False

    @property
    def name(self):
        return type(self).__name__

    #: How many numbers ``headroom`` and ``need`` give (0: not numeric).
    rooms = 0

    def request_key(self, spec):
        """What of the request a cacheable filter's verdict depends on."""
        return None

    def headroom(self, host_state):
        """A numeric filter's numbers for a host (``rooms`` of them)."""
        raise NotImplementedError()

    def need(self, spec):
        """A numeric filter's numbers for a request: a host passes when
        each of its headroom numbers is at least the matching one."""
        raise NotImplementedError()

    def is_active(self, spec):
        """False when this filter passes every host for ``spec``."""
        return True

    def prepare(self, context, spec):
        """Per-request work done before the host view is locked; results
        go to ``spec.resolved``."""

    def host_passes(self, host_state, spec):
        raise NotImplementedError()

    def limits(self, host_state):
        """{limit name: value} for the claim on a chosen host, or None."""
        return None

    def filter_all(self, host_states, spec):
        return [h for h in host_states if self.host_passes(h, spec)]


def all_filters():
    """Every filter class of this package, by class name."""
    return plugins.classes_in(__name__, BaseHostFilter)


def load_filters(names):
    """Instances of the named filters, in order; ValueError names the
    unknown ones."""
    known = None
    filters = []
    for name in names:
        if '.' in name:
            cls = importutils.import_class(name)
        else:
            known = known if known is not None else all_filters()
            if name not in known:
                raise ValueError('Unknown scheduler filter %r (known: %s)'
                                 % (name, ', '.join(sorted(known))))
            cls = known[name]
        if not (isinstance(cls, type) and issubclass(cls, BaseHostFilter)):
            raise ValueError('%s is not a host filter' % name)
        filters.append(cls())
    return filters
