"""Migration: a resize (or a migration) of an instance, with its status
(pre-migrating, migrating, post-migrating, finished, confirming,
confirmed, reverting, reverted, error)."""

from oslo_versionedobjects import fields

from nimbus.db.api import migration as migration_db
from nimbus.objects import base


@base.NimbusObjectRegistry.register
class Migration(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(read_only=True),
        'source_compute': fields.StringField(nullable=True),
        'dest_compute': fields.StringField(nullable=True),
        'source_node': fields.StringField(nullable=True),
        'dest_node': fields.StringField(nullable=True),
        'dest_host': fields.StringField(nullable=True),
        'old_instance_type_id': fields.IntegerField(nullable=True),
        'new_instance_type_id': fields.IntegerField(nullable=True),
        'instance_uuid': fields.StringField(nullable=True),
        'status': fields.StringField(nullable=True),
        'migration_type': fields.StringField(nullable=True),
    })

    @classmethod
    @base.remotable
    def get_by_id(cls, context, migration_id):
        return base.from_db(cls(context), migration_db.migration_get(
            context, migration_id))

    @classmethod
    @base.remotable
    def get_by_instance_and_status(cls, context, instance_uuid, status):
        return base.from_db(
            cls(context), migration_db.migration_get_by_instance_and_status(
                context, instance_uuid, status))

    @base.remotable
    def create(self):
        base.from_db(self, migration_db.migration_create(
            self._context, base.changes_for_db(self)))

    @base.remotable
    def save(self):
        values = base.changes_for_db(self)
        if values:
            base.from_db(self, migration_db.migration_update(
                self._context, self.id, values))


@base.NimbusObjectRegistry.register
class MigrationList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('Migration')}

    @classmethod
    @base.remotable
    def get_by_instance(cls, context, instance_uuid):
        return cls(context, objects=[
            base.from_db(Migration(context), row) for row in
            migration_db.migration_get_all_by_instance(context,
                                                       instance_uuid)])
