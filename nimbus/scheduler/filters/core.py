"""CoreFilter: hosts with enough vCPUs under ``cpu_allocation_ratio``."""

from nimbus.scheduler import filters


class CoreFilter(filters.BaseHostFilter):
    """Usable vCPUs are total × ratio minus those used; an instance never
    gets more vCPUs than the host has physical ones."""

    cacheable = True

    def request_key(self, spec):
        return spec.vcpus

    def host_passes(self, host_state, spec):
        if not host_state.vcpus_total:
            # A node that reports no CPUs yet: let it through, as Nova
            # does, rather than refuse every request.
            return True
        if spec.vcpus > host_state.vcpus_total:
            return False
        limit = host_state.vcpus_total * host_state.cpu_allocation_ratio
        return limit - host_state.vcpus_used >= spec.vcpus

    def limits(self, host_state):
        if not host_state.vcpus_total:
            return None
        return {'vcpu': host_state.vcpus_total *
                host_state.cpu_allocation_ratio}
