"""The ComputeNode object: the resources one hypervisor offers."""

from oslo_versionedobjects import fields

from nimbus.db.api import compute_node as compute_node_db
from nimbus.objects import base


@base.NimbusObjectRegistry.register
class ComputeNode(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    # Version 1.1: supported_instances
    VERSION = '1.1'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(read_only=True),
        'uuid': fields.UUIDField(nullable=True),
        'service_id': fields.IntegerField(nullable=True),
        'host': fields.StringField(nullable=True),
        'hypervisor_hostname': fields.StringField(nullable=True),
        'hypervisor_type': fields.StringField(),
        'hypervisor_version': fields.IntegerField(),
        'vcpus': fields.IntegerField(),
        'memory_mb': fields.IntegerField(),
        'local_gb': fields.IntegerField(),
        'vcpus_used': fields.IntegerField(default=0),
        'memory_mb_used': fields.IntegerField(default=0),
        'local_gb_used': fields.IntegerField(default=0),
        'free_ram_mb': fields.IntegerField(nullable=True),
        'free_disk_gb': fields.IntegerField(nullable=True),
        'running_vms': fields.IntegerField(default=0),
        'cpu_info': fields.StringField(nullable=True),
        'disk_available_least': fields.IntegerField(nullable=True),
        'host_ip': fields.StringField(nullable=True),
        'cpu_allocation_ratio': fields.FloatField(nullable=True),
        'ram_allocation_ratio': fields.FloatField(nullable=True),
        'disk_allocation_ratio': fields.FloatField(nullable=True),
        # JSON [[architecture, hypervisor_type, vm_mode], ...]
        'supported_instances': fields.StringField(nullable=True),
    })

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        if target_version == '1.0':
            primitive.pop('supported_instances', None)

    @classmethod
    @base.remotable
    def get_by_host_and_nodename(cls, context, host, nodename):
        row = compute_node_db.compute_node_get_by_host_and_nodename(
            context, host, nodename)
        return base.from_db(cls(context), row)

    @base.remotable
    def create(self):
        values = base.changes_for_db(self)
        base.from_db(self, compute_node_db.compute_node_create(
            self._context, values))

    @base.remotable
    def save(self):
        values = base.changes_for_db(self)
        if values:
            base.from_db(self, compute_node_db.compute_node_update(
                self._context, self.id, values))


@base.NimbusObjectRegistry.register
class ComputeNodeList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('ComputeNode')}

    @classmethod
    @base.remotable
    def get_all(cls, context):
        rows = compute_node_db.compute_node_get_all(context)
        return cls(context, objects=[base.from_db(ComputeNode(context), row)
                                     for row in rows])
