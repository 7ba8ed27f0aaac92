"""Block device mappings: how an instance's disks are laid out."""

import sqlalchemy as sa

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session

BlockDeviceMapping = models.BlockDeviceMapping


@session.writer
def block_device_mapping_create(context, values):
    return utils.insert_row(context, BlockDeviceMapping, values)


@session.reader
def block_device_mapping_get_all_by_instance(context, instance_uuid):
    stmt = (sa.select(BlockDeviceMapping)
            .where(BlockDeviceMapping.instance_uuid == instance_uuid,
                   BlockDeviceMapping.deleted == 0)
            .order_by(BlockDeviceMapping.id))
    return [row.as_dict() for row in context.session.scalars(stmt)]


@session.writer
def block_device_mapping_destroy_by_instance(context, instance_uuid):
    for row in context.session.scalars(sa.select(BlockDeviceMapping).where(
            BlockDeviceMapping.instance_uuid == instance_uuid,
            BlockDeviceMapping.deleted == 0)):
        row.soft_delete(context.session)
