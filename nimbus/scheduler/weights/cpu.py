"""CPUWeigher: hosts by free vCPUs (under the CPU allocation ratio)."""

from nimbus.conf import CONF
from nimbus.scheduler import weights


class CPUWeigher(weights.BaseHostWeigher):
    def weight_multiplier(self):
        return CONF.cpu_weight_multiplier

    def weigh_object(self, host_state, spec):
        return (host_state.vcpus_total * host_state.cpu_allocation_ratio -
                host_state.vcpus_used)
