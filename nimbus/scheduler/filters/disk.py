"""DiskFilter: hosts with enough disk under ``disk_allocation_ratio``."""

from nimbus.scheduler import filters


class DiskFilter(filters.BaseHostFilter):
    """The request needs root + ephemeral GB and swap MB; usable disk is
    total × ratio minus what is used."""

    cacheable = True

    def request_key(self, spec):
        return spec.disk_mb

    @staticmethod
    def _limit_mb(host_state):
        return (host_state.total_usable_disk_gb * 1024 *
                host_state.disk_allocation_ratio)

    rooms = 1

    def headroom(self, host_state):
        total_mb = host_state.total_usable_disk_gb * 1024
        used_mb = total_mb - host_state.free_disk_mb
        return (self._limit_mb(host_state) - used_mb,)

    def need(self, spec):
        return (spec.disk_mb,)

    def host_passes(self, host_state, spec):
        return self.headroom(host_state)[0] >= spec.disk_mb

    def limits(self, host_state):
        return {'disk_gb': self._limit_mb(host_state) / 1024}
