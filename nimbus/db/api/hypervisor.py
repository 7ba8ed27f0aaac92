"""What the hypervisors API needs from instances: the live instances on a
compute host (and node), and how many of them are busy."""

import sqlalchemy as sa

from nimbus.db import models
from nimbus.db import session

Instance = models.Instance


def _on(host, node=None):
    where = [Instance.deleted == 0, Instance.host == host]
    if node is not None:
        where.append(sa.or_(Instance.node == node, Instance.node.is_(None)))
    return where


@session.reader
def instances_on_host(context, host, node=None):
    """[{'uuid', 'name'}] of the live instances on a host, by creation."""
    rows = context.session.execute(
        sa.select(Instance.uuid, Instance.display_name)
        .where(*_on(host, node))
        .order_by(Instance.created_at, Instance.id))
    return [{'uuid': uuid, 'name': name or ''} for uuid, name in rows]


@session.reader
def workload_on_host(context, host, node=None):
    """How many live instances on the host have a task in progress."""
    return int(context.session.execute(
        sa.select(sa.func.count(Instance.id))
        .where(*_on(host, node), Instance.task_state.is_not(None))
    ).scalar() or 0)


@session.reader
def usage_by_project_on_host(context, host):
    """[(project_id, vcpus, memory_mb, disk_gb)] of a host's instances."""
    rows = context.session.execute(
        sa.select(Instance.project_id,
                  sa.func.coalesce(sa.func.sum(Instance.vcpus), 0),
                  sa.func.coalesce(sa.func.sum(Instance.memory_mb), 0),
                  sa.func.coalesce(sa.func.sum(
                      sa.func.coalesce(Instance.root_gb, 0) +
                      sa.func.coalesce(Instance.ephemeral_gb, 0)), 0))
        .where(*_on(host)).group_by(Instance.project_id)
        .order_by(Instance.project_id))
    return [(p, int(c), int(m), int(d)) for p, c, m, d in rows]
