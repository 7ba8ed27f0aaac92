"""InstanceGroup: a server group, with its policy and live members (the
compute API's view of it; the REST layer and the scheduler read the
database API directly)."""

from oslo_versionedobjects import fields

from nimbus.db.api import server_group as server_group_db
from nimbus.objects import base


@base.NimbusObjectRegistry.register
class InstanceGroup(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(read_only=True),
        'uuid': fields.UUIDField(),
        'name': fields.StringField(nullable=True),
        'user_id': fields.StringField(nullable=True),
        'project_id': fields.StringField(nullable=True),
        'policy': fields.StringField(),
        'members': fields.ListOfStringsField(default=[]),
    })

    @classmethod
    @base.remotable
    def get_by_uuid(cls, context, uuid, project_id=None):
        """InstanceGroupNotFound if unknown, deleted or (with
        ``project_id``) another project's."""
        return base.from_db(cls(context), server_group_db.group_get(
            context, uuid, project_id))

    @classmethod
    def add_members(cls, context, group_uuid, instance_uuids):
        """Inside the caller's writer transaction (the instances')."""
        server_group_db.add_members(context, group_uuid, instance_uuids)
