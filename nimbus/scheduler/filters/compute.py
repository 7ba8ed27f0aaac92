"""ComputeFilter: hosts whose compute service is enabled and up."""

from nimbus.scheduler import filters
from nimbus import servicegroup


class ComputeFilter(filters.BaseHostFilter):
    """Up as nimbus.servicegroup judges it (a heartbeat younger than
    ``service_down_time``, not forced down), at the request's instant.

    Cacheable although it depends on the time: the host manager logs a
    host as changed at the moment its verdict would flip.
    """

    cacheable = True

    def request_key(self, spec):
        return ()

    def host_passes(self, host_state, spec):
        service = host_state.service
        if service is None or service.get('disabled'):
            return False
        return servicegroup.service_is_up(service, spec.now)
