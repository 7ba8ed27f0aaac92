"""Virtual interfaces: an instance's NIC on one network, with its MAC."""

from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session
from nimbus import exception

VirtualInterface = models.VirtualInterface


def _vif_query(context, read_deleted=None):
    return utils.model_query(context, VirtualInterface,
                             read_deleted=read_deleted).order_by(
        VirtualInterface.id)


@session.writer
def virtual_interface_create(context, values):
    """Create a virtual interface; a uuid is generated when none is given.

    Raises VirtualInterfaceMacAddressException when a live interface
    already has the MAC (try another). Should another transaction take the
    MAC between the check and the insert, the insert's DBDuplicateEntry
    ends this transaction: retry it whole.
    """
    values = dict(values)
    values['address'] = values['address'].lower()
    taken = context.session.scalar(
        sa.select(VirtualInterface.id).where(
            VirtualInterface.address == values['address'],
            VirtualInterface.deleted == 0))
    if taken is not None:
        raise exception.VirtualInterfaceMacAddressException()
    row = VirtualInterface()
    row.update(values)
    if not row.uuid:
        row.uuid = uuidutils.generate_uuid()
    row.save(context.session)
    return row.as_dict()


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
    now = timeutils.utcnow()
    result = context.session.execute(
        sa.update(VirtualInterface)
        .where(VirtualInterface.instance_uuid == instance_uuid,
               VirtualInterface.deleted == 0)
        .values(deleted=VirtualInterface.id, deleted_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount
