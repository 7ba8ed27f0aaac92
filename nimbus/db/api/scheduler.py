"""What nimbus-scheduler reads: the rows behind its host view, and the hosts
of instances named in scheduler hints.

The host view is loaded once and then kept current from the rows changed
since a timestamp, so these queries select only the columns the scheduler
uses (no cpu_info blobs) and return plain dicts.
"""

import sqlalchemy as sa

from nimbus.db import models
from nimbus.db import session

ComputeNode = models.ComputeNode
Instance = models.Instance
Service = models.Service

_NODE_COLUMNS = (
    'id', 'uuid', 'service_id', 'host', 'hypervisor_hostname',
    'hypervisor_type', 'hypervisor_version', 'vcpus', 'memory_mb',
    'local_gb', 'vcpus_used', 'memory_mb_used', 'local_gb_used',
    'free_ram_mb', 'free_disk_gb', 'running_vms', 'disk_available_least',
    'host_ip', 'supported_instances', 'cpu_allocation_ratio',
    'ram_allocation_ratio', 'disk_allocation_ratio',
    'created_at', 'updated_at', 'deleted_at', 'deleted')

_SERVICE_COLUMNS = (
    'id', 'host', 'binary', 'topic', 'disabled', 'disabled_reason',
    'availability_zone', 'forced_down', 'last_seen_up',
    'created_at', 'updated_at', 'deleted_at', 'deleted')


def _changed_since(model, column_names, since):
    """Live rows when ``since`` is None; else every row, deleted or not,
    created, updated or deleted after ``since``."""
    table = model.__table__
    stmt = sa.select(*[table.c[name] for name in column_names])
    if since is None:
        return stmt.where(table.c.deleted == 0)
    return stmt.where(sa.or_(table.c.created_at > since,
                             table.c.updated_at > since,
                             table.c.deleted_at > since))


def _dicts(context, stmt):
    result = context.session.execute(stmt)
    keys = tuple(result.keys())
    return [dict(zip(keys, row)) for row in result]


@session.reader
def compute_nodes_changed_since(context, since=None):
    """Compute nodes as dicts; all live ones when ``since`` is None, else
    those created, updated or deleted after it (``deleted`` != 0 marks the
    deleted ones)."""
    return _dicts(context, _changed_since(ComputeNode, _NODE_COLUMNS, since)
                  .order_by(ComputeNode.__table__.c.id))


@session.reader
def services_changed_since(context, binary, since=None):
    """Services of ``binary`` as dicts, like compute_nodes_changed_since."""
    stmt = _changed_since(Service, _SERVICE_COLUMNS, since).where(
        Service.__table__.c.binary == binary)
    return _dicts(context, stmt.order_by(Service.__table__.c.id))


@session.reader
def instance_hosts(context, instance_uuids, project_id=None):
    """The distinct hosts the live instances among ``instance_uuids`` are
    on (instances not yet on a host are left out); only instances of
    ``project_id`` when it is given."""
    if not instance_uuids:
        return set()
    stmt = (sa.select(Instance.host).distinct()
            .where(Instance.uuid.in_(list(instance_uuids)),
                   Instance.deleted == 0,
                   Instance.host.is_not(None)))
    if project_id is not None:
        stmt = stmt.where(Instance.project_id == project_id)
    return set(context.session.scalars(stmt))
