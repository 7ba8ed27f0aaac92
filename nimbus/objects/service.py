"""The Service object: one row of the services table, one running daemon."""

from oslo_versionedobjects import fields

from nimbus.db.api import service as service_db
from nimbus.objects import base


@base.NimbusObjectRegistry.register
class Service(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(read_only=True),
        'host': fields.StringField(),
        'binary': fields.StringField(),
        'topic': fields.StringField(nullable=True),
        'report_count': fields.IntegerField(default=0),
        'disabled': fields.BooleanField(default=False),
        'disabled_reason': fields.StringField(nullable=True),
        'availability_zone': fields.StringField(nullable=True),
        'forced_down': fields.BooleanField(default=False),
        'last_seen_up': fields.DateTimeField(nullable=True),
    })

    @classmethod
    @base.remotable
    def get_by_id(cls, context, service_id):
        return base.from_db(cls(context), service_db.service_get(
            context, service_id))

    @classmethod
    @base.remotable
    def get_by_host_and_binary(cls, context, host, binary):
        row = service_db.service_get_by_host_and_binary(context, host, binary)
        return base.from_db(cls(context), row)

    @base.remotable
    def create(self):
        values = base.changes_for_db(self)
        base.from_db(self, service_db.service_create(self._context, values))

    @base.remotable
    def save(self):
        values = base.changes_for_db(self)
        if values:
            base.from_db(self, service_db.service_update(
                self._context, self.id, values))

    @base.remotable
    def heartbeat(self):
        """Count one report and stamp last_seen_up (atomic in SQL)."""
        base.from_db(self, service_db.service_heartbeat(
            self._context, self.id))

    @base.remotable
    def destroy(self):
        service_db.service_destroy(self._context, self.id)


@base.NimbusObjectRegistry.register
class ServiceList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('Service')}

    @classmethod
    @base.remotable
    def get_all(cls, context, disabled=None):
        rows = service_db.service_get_all(context, disabled=disabled)
        return cls(context, objects=[base.from_db(Service(context), row)
                                     for row in rows])

    @classmethod
    @base.remotable
    def get_by_binary(cls, context, binary, include_disabled=False):
        rows = service_db.service_get_all_by_binary(
            context, binary, include_disabled=include_disabled)
        return cls(context, objects=[base.from_db(Service(context), row)
                                     for row in rows])
