"""ImagePropertiesFilter: hosts that can run the image's kind of guest."""

from nimbus.scheduler import filters


class ImagePropertiesFilter(filters.BaseHostFilter):
    """The image's ``architecture``, ``hypervisor_type`` and ``vm_mode``
    properties, those it sets, must match one entry of the host's
    supported_instances. An image setting none of them runs anywhere; a
    host advertising nothing takes only such images."""

    cacheable = True

    def request_key(self, spec):
        return spec.instance_type_props

    def host_passes(self, host_state, spec):
        wanted = spec.instance_type_props
        if not any(wanted):
            return True
        for supported in host_state.supported_instances:
            if all(want is None or want == have
                   for want, have in zip(wanted, supported)):
                return True
        return False
