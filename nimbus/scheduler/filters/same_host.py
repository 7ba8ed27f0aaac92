"""SameHostFilter: the hosts of the instances named in the ``same_host``
scheduler hint."""

from nimbus.db.api import scheduler as scheduler_db
from nimbus.scheduler import filters

HINT = 'same_host'


def resolve_hint_hosts(context, spec, hint):
    """The hosts of the instances a hint names, looked up once per request
    (one query on the instances table) and kept in ``spec.resolved``.

    A user names only instances of their own project (an admin, any), so
    a hint reveals nothing about other projects' instances.
    """
    uuids = spec.get_hint_list(hint)
    if uuids and hint not in spec.resolved:
        project_id = None if context.is_admin else context.project_id
        spec.resolved[hint] = frozenset(scheduler_db.instance_hosts(
            context, uuids, project_id=project_id))


class SameHostFilter(filters.BaseHostFilter):
    def prepare(self, context, spec):
        resolve_hint_hosts(context, spec, HINT)

    def is_active(self, spec):
        return HINT in spec.resolved

    def host_passes(self, host_state, spec):
        hosts = spec.resolved.get(HINT)
        if hosts is None:
            return True
        return host_state.host in hosts
