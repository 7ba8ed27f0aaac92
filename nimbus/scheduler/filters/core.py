"""CoreFilter: hosts with enough vCPUs under ``cpu_allocation_ratio``."""

import math

from nimbus.scheduler import filters


class CoreFilter(filters.BaseHostFilter):
    """Usable vCPUs are total × ratio minus those used; an instance never
    gets more vCPUs than the host has physical ones."""

    cacheable = True

    def request_key(self, spec):
        return spec.vcpus

    # Usable vCPUs left, and physical ones.
    rooms = 2

    def headroom(self, host_state):
        if not host_state.vcpus_total:
            # A node that reports no CPUs yet: let it through, as Nova
            # does, rather than refuse every request.
            return (math.inf, math.inf)
        limit = host_state.vcpus_total * host_state.cpu_allocation_ratio
        return (limit - host_state.vcpus_used, host_state.vcpus_total)

    def need(self, spec):
        return (spec.vcpus, spec.vcpus)

    def host_passes(self, host_state, spec):
        left, physical = self.headroom(host_state)
        return left >= spec.vcpus and physical >= spec.vcpus

    def limits(self, host_state):
        if not host_state.vcpus_total:
            return None
        return {'vcpu': host_state.vcpus_total *
                host_state.cpu_allocation_ratio}
