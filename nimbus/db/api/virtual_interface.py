"""Virtual interfaces: an instance's NIC on one network, with its MAC."""

from oslo_utils import timeutils
import sqlalchemy as sa

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session

VirtualInterface = models.VirtualInterface


def _vif_query(context, read_deleted=None):
    return utils.model_query(context, VirtualInterface,
                             read_deleted=read_deleted).order_by(
        VirtualInterface.id)


@session.writer
def virtual_interface_insert(context, values):
    """Insert a virtual interface (``values`` with its address, lower
    case, and uuid) in one statement; returns it as a dict. A live
    interface with the same MAC makes the INSERT fail with
    DBDuplicateEntry, which ends the transaction: retry it whole."""
    now = timeutils.utcnow()
    row = dict.fromkeys(utils.column_keys(VirtualInterface))
    row.update(values, created_at=now, deleted=0)
    del row['id']
    result = utils.execute(context, _insert(), row)
    row['id'] = result.inserted_primary_key[0]
    return row


@session.reader
def virtual_interface_get_by_instance(context, instance_uuid):
    """The live interfaces of an instance, in creation order."""
    return utils.rows_as_dicts(context.session.scalars(
        _vif_query(context).where(
            VirtualInterface.instance_uuid == instance_uuid)))


@session.writer
def virtual_interface_delete_by_instance(context, instance_uuid):
    """Soft-delete the interfaces of an instance (one UPDATE); returns how
    many there were."""
    return utils.execute(context, _delete_by_instance(), {
        'of_instance': instance_uuid, 'now': timeutils.utcnow()}).rowcount


@utils.prebuilt
def _insert():
    return sa.insert(VirtualInterface)


@utils.prebuilt
def _delete_by_instance():
    return (sa.update(VirtualInterface)
            .where(VirtualInterface.instance_uuid ==
                   sa.bindparam('of_instance'),
                   VirtualInterface.deleted == 0)
            .values(deleted=VirtualInterface.id,
                    deleted_at=sa.bindparam('now'),
                    updated_at=sa.bindparam('now')))
