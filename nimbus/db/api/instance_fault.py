"""Instance faults: why an instance went to ERROR (or an action failed)."""

import sqlalchemy as sa

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
    stmt = (sa.select(InstanceFault)
            .where(InstanceFault.instance_uuid.in_(list(instance_uuids)),
                   InstanceFault.deleted == 0)
            .order_by(InstanceFault.created_at.desc(),
                      InstanceFault.id.desc()))
    for row in context.session.scalars(stmt):
        faults = result.setdefault(row.instance_uuid, [])
        if latest and faults:
            continue
        faults.append(row.as_dict())
    return result
