"""RetryFilter: not the hosts a previous attempt at this instance failed on."""

from nimbus.scheduler import filters


class RetryFilter(filters.BaseHostFilter):
    """``filter_properties['retry']['hosts']`` lists [host, node] pairs
    tried before; the scheduler itself refuses a request whose
    ``num_attempts`` exceeds ``scheduler_max_attempts``."""

    def is_active(self, spec):
        return bool(spec.retry_hosts)

    def host_passes(self, host_state, spec):
        if not spec.retry_hosts:
            return True
        return (host_state.host, host_state.nodename) not in spec.retry_hosts
