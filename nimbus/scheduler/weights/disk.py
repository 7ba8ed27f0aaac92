"""DiskWeigher: hosts by free disk."""

from nimbus.conf import CONF
from nimbus.scheduler import weights


class DiskWeigher(weights.BaseHostWeigher):
    def weight_multiplier(self):
        return CONF.disk_weight_multiplier

    def weigh_object(self, host_state, spec):
        return host_state.free_disk_mb
