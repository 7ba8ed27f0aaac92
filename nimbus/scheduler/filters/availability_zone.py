"""AvailabilityZoneFilter: hosts of the requested availability zone."""

from nimbus.scheduler import filters


class AvailabilityZoneFilter(filters.BaseHostFilter):
    """A host's zone is its compute service's ``availability_zone``, or
    ``default_availability_zone``; no zone requested means any zone."""

    cacheable = True

    def request_key(self, spec):
        return spec.availability_zone

    def host_passes(self, host_state, spec):
        zone = spec.availability_zone
        return not zone or host_state.availability_zone == zone
