"""DifferentHostFilter: not the hosts of the instances named in the
``different_host`` scheduler hint."""

from nimbus.scheduler import filters
from nimbus.scheduler.filters import same_host

HINT = 'different_host'


class DifferentHostFilter(filters.BaseHostFilter):
    def prepare(self, context, spec):
        same_host.resolve_hint_hosts(context, spec, HINT)

    def is_active(self, spec):
        return bool(spec.resolved.get(HINT))

    def host_passes(self, host_state, spec):
        hosts = spec.resolved.get(HINT)
        if not hosts:
            return True
        return host_state.host not in hosts
