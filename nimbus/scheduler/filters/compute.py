"""ComputeFilter: hosts whose compute service is enabled and up."""

from nimbus.scheduler import filters


class ComputeFilter(filters.BaseHostFilter):
    """Up as nimbus.servicegroup judges it: a heartbeat younger than
    ``service_down_time``, not forced down.

    The host manager keeps ``host_state.service_up`` current: it judges a
    service with nimbus.servicegroup whenever its row changes and at the
    moment its heartbeat gets too old (and logs the host as changed when
    the verdict flips, which is what makes this filter cacheable although
    the verdict depends on the time).
    """

    cacheable = True

    def request_key(self, spec):
        return ()

    def host_passes(self, host_state, spec):
        service = host_state.service
        if service is None or service.get('disabled'):
            return False
        return host_state.service_up
