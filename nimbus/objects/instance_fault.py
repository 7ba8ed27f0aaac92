"""InstanceFault: why an instance went to ERROR (or an action failed)."""

import traceback

from oslo_versionedobjects import fields

from nimbus.db.api import instance_fault as fault_db
from nimbus import exception
from nimbus.objects import base


@base.NimbusObjectRegistry.register
class InstanceFault(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(read_only=True),
        'instance_uuid': fields.UUIDField(),
        'code': fields.IntegerField(),
        'message': fields.StringField(nullable=True),
        'details': fields.StringField(nullable=True),
        'host': fields.StringField(nullable=True),
    })

    @classmethod
    @base.remotable
    def get_latest_for_instance(cls, context, instance_uuid):
        faults = fault_db.instance_fault_get_by_instance_uuids(
            context, [instance_uuid], latest=True)[instance_uuid]
        return base.from_db(cls(context), faults[0]) if faults else None

    @classmethod
    def get_latest_by_instance_uuids(cls, context, instance_uuids):
        """{uuid: newest InstanceFault} for the uuids that have one."""
        result = InstanceFaultList.get_latest_by_instance_uuids(
            context, list(instance_uuids))
        return {fault.instance_uuid: fault for fault in result}

    @base.remotable
    def create(self):
        values = base.changes_for_db(self)
        if values.get('message'):
            values['message'] = values['message'][:255]
        base.from_db(self, fault_db.instance_fault_create(self._context,
                                                          values))

    @classmethod
    def from_exception(cls, context, instance_uuid, error, host=None,
                       exc_info=None):
        """A fault (not yet created) describing ``error``: its code, its
        user-safe message, and details (the traceback for our own bugs)."""
        code = getattr(error, 'code', 500)
        if isinstance(error, exception.NimbusException):
            message = error.format_message()
        else:
            message = error.__class__.__name__
        if exc_info is not None:
            details = ''.join(traceback.format_exception(*exc_info))
        else:
            details = str(error)
        return cls(context, instance_uuid=instance_uuid, code=code,
                   message=message[:255], details=details, host=host)


@base.NimbusObjectRegistry.register
class InstanceFaultList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('InstanceFault')}

    @classmethod
    @base.remotable
    def get_latest_by_instance_uuids(cls, context, instance_uuids):
        by_uuid = fault_db.instance_fault_get_by_instance_uuids(
            context, instance_uuids, latest=True)
        return cls(context, objects=[
            base.from_db(InstanceFault(context), faults[0])
            for faults in by_uuid.values() if faults])

    @classmethod
    @base.remotable
    def get_by_instance_uuids(cls, context, instance_uuids):
        by_uuid = fault_db.instance_fault_get_by_instance_uuids(
            context, instance_uuids)
        return cls(context, objects=[
            base.from_db(InstanceFault(context), fault)
            for faults in by_uuid.values() for fault in faults])
