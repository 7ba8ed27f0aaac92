"""RAMWeigher: hosts by free RAM."""

from nimbus.conf import CONF
from nimbus.scheduler import weights


class RAMWeigher(weights.BaseHostWeigher):
    def weight_multiplier(self):
        return CONF.ram_weight_multiplier

    def weigh_object(self, host_state, spec):
        return host_state.free_ram_mb
