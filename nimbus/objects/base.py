"""Base classes for nimbus's versioned objects (oslo.versionedobjects)."""

import datetime

from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fields

remotable = ovo_base.remotable


class NimbusObjectRegistry(ovo_base.VersionedObjectRegistry):
    def registration_hook(self, cls, index):
        # Expose the newest registered version as nimbus.objects.<Name>.
        from nimbus import objects
        current = getattr(objects, cls.obj_name(), None)
        if current is None or _newer(cls.VERSION, current.VERSION):
            setattr(objects, cls.obj_name(), cls)


def _newer(a, b):
    return tuple(map(int, a.split('.'))) > tuple(map(int, b.split('.')))


class NimbusObject(ovo_base.VersionedObject):
    """Base of every nimbus object.

    When ``indirection_api`` is set (as nimbus-compute does), remotable
    methods run on the conductor instead of touching the database here.
    """

    OBJ_SERIAL_NAMESPACE = 'nimbus_object'
    OBJ_PROJECT_NAMESPACE = 'nimbus'

    def obj_attr_is_set(self, attrname):
        # oslo's checks the name against a list of all field names made
        # anew on every call; serializing an instance (70 fields) asks
        # this for each field, on every conductor call.
        if attrname not in self.fields and \
                attrname not in self.obj_extra_fields:
            raise AttributeError("%s object has no attribute '%s'"
                                 % (self.obj_name(), attrname))
        return hasattr(self, '_obj_' + attrname)


class NimbusTimestampObject:
    fields = {
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
    }


class NimbusPersistentObject(NimbusTimestampObject):
    fields = dict(NimbusTimestampObject.fields, **{
        'deleted_at': fields.DateTimeField(nullable=True),
        'deleted': fields.BooleanField(default=False),
    })


class ObjectListBase(ovo_base.ObjectListBase):
    pass


def naive_utc(value):
    """A datetime as the database stores it: UTC without tzinfo."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value


def from_db(obj, row, field_names=None):
    """Fill ``obj`` from a database row given as a dict."""
    for name in field_names or obj.fields:
        if name not in row:
            continue
        value = row[name]
        if name == 'deleted':
            value = bool(value)
        setattr(obj, name, value)
    obj.obj_reset_changes()
    return obj


def changes_for_db(obj):
    """The changed fields of ``obj`` as values for a database update."""
    return {name: naive_utc(value)
            for name, value in obj.obj_get_changes().items()}


class NimbusObjectSerializer(ovo_base.VersionedObjectSerializer):
    OBJ_BASE_CLASS = NimbusObject
