"""RamFilter: hosts with enough RAM under ``ram_allocation_ratio``."""

from nimbus.scheduler import filters


class RamFilter(filters.BaseHostFilter):
    """Usable RAM is total × ratio minus what is used; the ratio is the
    compute node's own, else ``ram_allocation_ratio``."""

    cacheable = True

    def request_key(self, spec):
        return spec.memory_mb

    @staticmethod
    def _limit(host_state):
        return host_state.total_usable_ram_mb * host_state.ram_allocation_ratio

    rooms = 1

    def headroom(self, host_state):
        used = host_state.total_usable_ram_mb - host_state.free_ram_mb
        return (self._limit(host_state) - used,)

    def need(self, spec):
        return (spec.memory_mb,)

    def host_passes(self, host_state, spec):
        return self.headroom(host_state)[0] >= spec.memory_mb

    def limits(self, host_state):
        return {'memory_mb': self._limit(host_state)}
