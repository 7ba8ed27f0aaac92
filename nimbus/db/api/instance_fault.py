"""Instance faults: why an instance went to ERROR (or an action failed)."""

import functools

import sqlalchemy as sa

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session

InstanceFault = models.InstanceFault


@session.writer
def instance_fault_create(context, values):
    fault = InstanceFault()
    fault.update(values)
    fault.save(context.session)
    return fault.as_dict()


@session.reader
def instance_fault_get_by_instance_uuids(context, instance_uuids,
                                         latest=False):
    """{uuid: [fault dicts, newest first]} (only the newest with latest)."""
    result = {uuid: [] for uuid in instance_uuids}
    if not instance_uuids:
        return result
    keys = _keys()
    uuid_index = keys.index('instance_uuid')
    for row in utils.rows(context, _by_instances_stmt(),
                          {'uuids': list(instance_uuids)}):
        faults = result.setdefault(row[uuid_index], [])
        if latest and faults:
            continue
        faults.append(dict(zip(keys, row)))
    return result


@functools.lru_cache(maxsize=None)
def _keys():
    return tuple(attr.key for attr in
                 sa.inspect(InstanceFault).mapper.column_attrs)


@functools.lru_cache(maxsize=None)
def _by_instances_stmt():
    """Made once: read with every server shown by the API."""
    return (sa.select(*[getattr(InstanceFault, key) for key in _keys()])
            .where(InstanceFault.instance_uuid.in_(
                sa.bindparam('uuids', expanding=True)),
                InstanceFault.deleted == 0)
            .order_by(InstanceFault.created_at.desc(),
                      InstanceFault.id.desc()))
