"""What one select_destinations request asks for, read once from the two
plain dicts of the RPC contract:

``request_spec``::

    {'instance_uuids': [...], 'num_instances': N,
     'flavor': {'memory_mb', 'vcpus', 'root_gb', 'ephemeral_gb', 'swap',
                'extra_specs': {}},
     'image': {'id': ..., 'properties': {...}},
     'availability_zone': str | None,
     'project_id': str,
     'scheduler_hints': {'same_host': [uuids], 'different_host': [uuids]}}

``filter_properties``::

    {'retry': {'num_attempts': n, 'hosts': [[host, node], ...]},
     'force_hosts': [host], 'force_nodes': [node]}    # all optional

An availability zone of the form ``zone:host[:node]`` (an admin's way of
placing an instance) forces the host (and node), as in Nova.
"""

from nimbus import exception

# Image properties the ImagePropertiesFilter reads.
ARCH, HV_TYPE, VM_MODE = 'architecture', 'hypervisor_type', 'vm_mode'

_ARCH_ALIASES = {'amd64': 'x86_64', 'x64': 'x86_64', 'x86-64': 'x86_64',
                 'i386': 'i686', 'i486': 'i686', 'i586': 'i686',
                 'x86': 'i686', 'x86_32': 'i686', 'arm64': 'aarch64',
                 'ppc64el': 'ppc64le'}
_VM_MODE_ALIASES = {'pv': 'xen', 'hv': 'hvm', 'baremetal': 'hvm'}


def canonical_arch(value):
    if not value:
        return None
    value = str(value).strip().lower()
    return _ARCH_ALIASES.get(value, value)


def canonical_hv_type(value):
    if not value:
        return None
    return str(value).strip().lower()


def canonical_vm_mode(value):
    if not value:
        return None
    value = str(value).strip().lower()
    return _VM_MODE_ALIASES.get(value, value)


def canonical_instance_type(arch, hv_type, vm_mode):
    """(architecture, hypervisor_type, vm_mode), each canonical or None."""
    return (canonical_arch(arch), canonical_hv_type(hv_type),
            canonical_vm_mode(vm_mode))


def _as_list(value):
    """A hint given once is a string; given several times, a list."""
    if value is None or value == '':
        return []
    if isinstance(value, (list, tuple, set)):
        return [v for v in value if v]
    return [value]


def _int(mapping, name):
    value = mapping.get(name) or 0
    try:
        return int(value)
    except (TypeError, ValueError):
        raise exception.Invalid(reason='flavor %s must be an integer, not '
                                       '%r' % (name, value))


class RequestSpec:
    """The request in the form filters and weighers read it.

    ``now`` is set by the scheduler when the request takes the host view's
    lock, so every filter judges liveness at the same instant; filters
    that need per-request data (the hosts of instances named in hints)
    keep it in ``resolved``.
    """

    __slots__ = ('instance_uuids', 'num_instances', 'memory_mb', 'vcpus',
                 'root_gb', 'ephemeral_gb', 'swap', 'disk_mb', 'extra_specs',
                 'image_id', 'image_properties', 'instance_type_props',
                 'availability_zone', 'project_id', 'scheduler_hints',
                 'retry', 'num_attempts', 'retry_hosts', 'force_hosts',
                 'force_nodes', 'now', 'resolved')

    def __init__(self, request_spec, filter_properties=None):
        request_spec = request_spec or {}
        filter_properties = filter_properties or {}
        self.instance_uuids = list(request_spec.get('instance_uuids') or [])
        num = request_spec.get('num_instances')
        self.num_instances = int(num if num is not None
                                 else len(self.instance_uuids) or 1)
        if self.num_instances < 1:
            raise exception.Invalid(reason='num_instances must be at '
                                           'least 1')
        flavor = request_spec.get('flavor') or {}
        self.memory_mb = _int(flavor, 'memory_mb')
        self.vcpus = _int(flavor, 'vcpus')
        self.root_gb = _int(flavor, 'root_gb')
        self.ephemeral_gb = _int(flavor, 'ephemeral_gb')
        self.swap = _int(flavor, 'swap')
        # What DiskFilter asks for and what a placement consumes: swap is
        # a disk file on the host too.
        self.disk_mb = 1024 * (self.root_gb + self.ephemeral_gb) + self.swap
        self.extra_specs = dict(flavor.get('extra_specs') or {})
        image = request_spec.get('image') or {}
        self.image_id = image.get('id')
        self.image_properties = dict(image.get('properties') or {})
        self.instance_type_props = canonical_instance_type(
            self.image_properties.get(ARCH),
            self.image_properties.get(HV_TYPE),
            self.image_properties.get(VM_MODE))
        self.project_id = request_spec.get('project_id')
        self.scheduler_hints = dict(request_spec.get('scheduler_hints') or {})

        self.force_hosts = _as_list(filter_properties.get('force_hosts'))
        self.force_nodes = _as_list(filter_properties.get('force_nodes'))
        zone = request_spec.get('availability_zone') or None
        if zone and ':' in zone:
            zone, _, forced = zone.partition(':')
            host, _, node = forced.partition(':')
            if host:
                self.force_hosts = [host]
            if node:
                self.force_nodes = [node]
            zone = zone or None
        self.availability_zone = zone

        self.retry = filter_properties.get('retry') or None
        retry = self.retry or {}
        self.num_attempts = int(retry.get('num_attempts') or 0)
        self.retry_hosts = frozenset(
            tuple(entry) for entry in retry.get('hosts') or ()
            if entry and len(entry) == 2)
        self.now = None
        self.resolved = {}

    def get_hint_list(self, name):
        """A scheduler hint as a list (a single value becomes a list)."""
        return _as_list(self.scheduler_hints.get(name))

    @property
    def forced(self):
        return bool(self.force_hosts or self.force_nodes)
