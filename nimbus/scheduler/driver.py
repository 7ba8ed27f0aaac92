"""What every scheduler driver shares: the shape of select_destinations.

A request is read (``RequestSpec``), refused outright when it has been
retried too often, prepared (filters' look-ups, outside any lock), then
placed instance by instance under the host view's lock: each choice
consumes its resources in the view before the next instance is placed,
so a multiple create spreads, and the next request sees them. If one
instance finds no host, the request fails whole and what its earlier
instances consumed is given back.

Drivers say how one host is picked (``select_host``), which filters they
run (for ``prepare`` and for explaining a failure) and which limits the
compute claim should enforce.
"""

from oslo_log import log as logging
from oslo_utils import importutils
from oslo_utils import timeutils

from nimbus.conf import CONF
from nimbus import context as nimbus_context
from nimbus import exception
from nimbus.scheduler import filters as filters_module
from nimbus.scheduler.filters import server_group
from nimbus.scheduler import host_manager as host_manager_module
from nimbus.scheduler import request_spec as request_spec_module

LOG = logging.getLogger(__name__)

DRIVERS = {
    'filter_scheduler': 'nimbus.scheduler.filter_scheduler.FilterScheduler',
    'chance_scheduler': 'nimbus.scheduler.chance.ChanceScheduler',
}

NO_LIMITS = {'memory_mb': None, 'vcpu': None, 'disk_gb': None}

_BASE_PREPARE = filters_module.BaseHostFilter.prepare


def load_driver(name=None, host_manager=None):
    """The driver named by ``scheduler_driver`` (or ``name``)."""
    name = name or CONF.scheduler_driver
    return importutils.import_class(DRIVERS.get(name, name))(
        host_manager=host_manager)


class Scheduler:
    def __init__(self, host_manager=None):
        self.host_manager = (host_manager or
                             host_manager_module.HostManager())

    # What a driver provides ----------------------------------------------

    @property
    def filters(self):
        """The filters this driver runs, in order."""
        return []

    def select_host(self, spec, index):
        """One HostState for instance ``index`` of ``spec``, or None; runs
        under the host view's lock."""
        raise NotImplementedError()

    def limits(self, host_state):
        """The limits the compute claim on ``host_state`` enforces."""
        return dict(NO_LIMITS)

    def reset(self):
        """Re-read what the driver took from the configuration."""

    # The shared shape ----------------------------------------------------

    def select_destinations(self, context, request_spec, filter_properties):
        """One {'host', 'nodename', 'limits'} per instance, in order;
        NoValidHost(reason=...) when an instance finds no host."""
        spec = request_spec_module.RequestSpec(request_spec,
                                               filter_properties)
        self._check_attempts(spec)
        if not self.host_manager.loaded:
            self.host_manager.load(nimbus_context.get_admin_context())
        if not spec.forced:
            for host_filter in self.filters:
                if type(host_filter).prepare is not _BASE_PREPARE:
                    host_filter.prepare(context, spec)
        chosen = []
        hm = self.host_manager
        with hm.lock:
            spec.now = timeutils.utcnow()
            hm.check_liveness(spec.now)
            try:
                for index in range(spec.num_instances):
                    state = self.select_host(spec, index)
                    if state is None and server_group.relaxable(spec):
                        # A soft group policy gives way for this one.
                        spec.resolved[server_group.RELAXED] = True
                        state = self.select_host(spec, index)
                        spec.resolved[server_group.RELAXED] = False
                    if state is None:
                        raise exception.NoValidHost(
                            reason=self.explain(spec, index))
                    chosen.append((state, self.limits(state)))
                    hm.consume(state, spec)
                    server_group.placed(
                        spec, spec.instance_uuids[index]
                        if index < len(spec.instance_uuids) else None,
                        state.host)
            except Exception:
                for state, _ in reversed(chosen):
                    hm.release(state, spec)
                server_group.unplaced(spec)
                raise
        return [{'host': state.host, 'nodename': state.nodename,
                 'limits': limits} for state, limits in chosen]

    def _check_attempts(self, spec):
        if spec.retry is None or spec.forced:
            return
        max_attempts = CONF.scheduler_max_attempts
        if spec.num_attempts <= max_attempts:
            return
        reason = ('Exceeded max scheduling attempts %d for instance %s.'
                  % (max_attempts,
                     ', '.join(spec.instance_uuids) or '(no uuid given)'))
        last = spec.retry.get('exc_reason') or spec.retry.get('exc')
        if last:
            reason += ' Last exception: %s' % (last if isinstance(last, str)
                                               else last[-1])
        raise exception.NoValidHost(reason=reason)

    # Explaining a failure ------------------------------------------------

    def explain(self, spec, index):
        """Why instance ``index`` found no host, for the instance fault:
        which filter left no host, and how many each one left."""
        if spec.forced:
            reason = self._explain_forced(spec)
        else:
            hosts = self.host_manager.get_all_host_states()
            if not hosts:
                reason = 'The scheduler knows no compute host.'
            else:
                reason = self._explain_filters(hosts, spec)
        if index:
            reason = ('Only %d of %d instances could be placed: %s'
                      % (index, spec.num_instances, reason))
        return reason

    def _explain_filters(self, hosts, spec):
        left = ['%d compute hosts' % len(hosts)]
        for host_filter in self.filters:
            hosts = host_filter.filter_all(hosts, spec)
            left.append('%s %d' % (host_filter.name, len(hosts)))
            if not hosts:
                return '%s returned 0 hosts (hosts left: %s).' % (
                    host_filter.name, ', '.join(left))
        # Only a race with the view (or a filter that changed its mind)
        # gets here: the same filters just passed some hosts.
        return 'No host passed all filters (hosts left: %s).' % (
            ', '.join(left))

    def _explain_forced(self, spec):
        wanted = ', '.join(spec.force_hosts + spec.force_nodes)
        return ('The forced host or node %s is not a compute host the '
                'scheduler knows.' % wanted)

    def forced_hosts(self, spec):
        """The hosts an admin forced, filters bypassed (as in Nova)."""
        return [state for state in self.host_manager.get_all_host_states()
                if (not spec.force_hosts or
                    state.host in spec.force_hosts) and
                (not spec.force_nodes or state.nodename in spec.force_nodes)]
