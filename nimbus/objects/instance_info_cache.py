"""InstanceInfoCache: the network info of an instance (a list of VIF
dicts in Nova's network model shape), as the network service last told."""

import json

from oslo_versionedobjects import fields

from nimbus.db.api import instance as instance_db
from nimbus.objects import base


class JsonType(fields.FieldType):
    """Any JSON-safe value (lists and dicts of them)."""

    def coerce(self, obj, attr, value):
        return value

    def to_primitive(self, obj, attr, value):
        return value

    def from_primitive(self, obj, attr, value):
        return value


class JsonField(fields.AutoTypedField):
    AUTO_TYPE = JsonType()


@base.NimbusObjectRegistry.register
class InstanceInfoCache(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'instance_uuid': fields.UUIDField(),
        'network_info': JsonField(nullable=True, default=[]),
    })

    @classmethod
    def from_db(cls, context, instance_uuid, row):
        cache = cls(context, instance_uuid=instance_uuid, network_info=[])
        if row:
            for name in ('created_at', 'updated_at', 'deleted_at'):
                setattr(cache, name, row.get(name))
            cache.deleted = bool(row.get('deleted'))
            cache.network_info = _loads(row.get('network_info'))
        cache.obj_reset_changes()
        return cache

    @classmethod
    @base.remotable
    def get_by_instance_uuid(cls, context, instance_uuid):
        return cls.from_db(context, instance_uuid,
                           instance_db.instance_info_cache_get(
                               context, instance_uuid))

    def network_info_json(self):
        return json.dumps(self.network_info or [])

    @base.remotable
    def save(self):
        if 'network_info' in self.obj_what_changed():
            row = instance_db.instance_info_cache_update(
                self._context, self.instance_uuid, self.network_info_json())
            self.updated_at = row.get('updated_at')
        self.obj_reset_changes()

    def addresses(self):
        """Every fixed and floating address in the cache."""
        result = []
        for vif in self.network_info or []:
            for subnet in (vif.get('network') or {}).get('subnets') or []:
                for ip in subnet.get('ips') or []:
                    result.append(ip.get('address'))
                    for floating in ip.get('floating_ips') or []:
                        result.append(floating.get('address'))
        return [a for a in result if a]


def _loads(value):
    if not value:
        return []
    try:
        return json.loads(value)
    except ValueError:
        return []
