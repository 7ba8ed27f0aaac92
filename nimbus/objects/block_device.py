"""BlockDeviceMapping: one disk of an instance (image, blank, volume)."""

from oslo_versionedobjects import fields

from nimbus.db.api import block_device as bdm_db
from nimbus.objects import base


@base.NimbusObjectRegistry.register
class BlockDeviceMapping(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(read_only=True),
        'uuid': fields.StringField(nullable=True),
        'instance_uuid': fields.UUIDField(),
        'source_type': fields.StringField(nullable=True),
        'destination_type': fields.StringField(nullable=True),
        'guest_format': fields.StringField(nullable=True),
        'device_type': fields.StringField(nullable=True),
        'disk_bus': fields.StringField(nullable=True),
        'boot_index': fields.IntegerField(nullable=True),
        'device_name': fields.StringField(nullable=True),
        'delete_on_termination': fields.BooleanField(default=False),
        'snapshot_id': fields.StringField(nullable=True),
        'volume_id': fields.StringField(nullable=True),
        'volume_size': fields.IntegerField(nullable=True),
        'image_id': fields.StringField(nullable=True),
        'no_device': fields.BooleanField(default=False),
        'connection_info': fields.StringField(nullable=True),
        'tag': fields.StringField(nullable=True),
    })

    @base.remotable
    def create(self):
        values = base.changes_for_db(self)
        base.from_db(self, bdm_db.block_device_mapping_create(
            self._context, values))

    @property
    def is_volume(self):
        return self.destination_type == 'volume'


@base.NimbusObjectRegistry.register
class BlockDeviceMappingList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('BlockDeviceMapping')}

    @classmethod
    @base.remotable
    def get_by_instance_uuid(cls, context, instance_uuid):
        rows = bdm_db.block_device_mapping_get_all_by_instance(
            context, instance_uuid)
        return cls(context, objects=[
            base.from_db(BlockDeviceMapping(context), row) for row in rows])

    @classmethod
    @base.remotable
    def destroy_by_instance_uuid(cls, context, instance_uuid):
        bdm_db.block_device_mapping_destroy_by_instance(context,
                                                        instance_uuid)
