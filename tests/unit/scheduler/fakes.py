"""Rows and requests for the scheduler's unit tests."""

import datetime

from oslo_utils import timeutils

from nimbus.scheduler import host_manager
from nimbus.scheduler import request_spec

_ids = iter(range(1, 1000000))


def service_row(host, **values):
    now = timeutils.utcnow()
    row = {'id': next(_ids), 'host': host, 'binary': 'nimbus-compute',
           'topic': 'compute', 'disabled': False, 'disabled_reason': None,
           'availability_zone': None, 'forced_down': False,
           'last_seen_up': now, 'created_at': now, 'updated_at': now,
           'deleted_at': None, 'deleted': 0}
    row.update(values)
    return row


def node_row(host, nodename=None, **values):
    now = timeutils.utcnow()
    row = {'id': next(_ids), 'uuid': None, 'service_id': None,
           'host': host, 'hypervisor_hostname': nodename or host,
           'hypervisor_type': 'QEMU', 'hypervisor_version': 8002000,
           'vcpus': 8, 'memory_mb': 16384, 'local_gb': 200,
           'vcpus_used': 0, 'memory_mb_used': 0, 'local_gb_used': 0,
           'free_ram_mb': None, 'free_disk_gb': None, 'running_vms': 0,
           'disk_available_least': None, 'host_ip': '10.0.0.1',
           'supported_instances': None, 'cpu_allocation_ratio': None,
           'ram_allocation_ratio': None, 'disk_allocation_ratio': None,
           'created_at': now, 'updated_at': None, 'deleted_at': None,
           'deleted': 0}
    row.update(values)
    return row


def host_state(host='host1', nodename=None, service=None, **values):
    """A HostState from a compute node row with ``values``."""
    state = host_manager.HostState(host, nodename or host)
    state.update_from_compute_node(node_row(host, nodename, **values))
    state.update_from_service(service if service is not None
                              else service_row(host))
    return state


def spec(memory_mb=512, vcpus=1, root_gb=1, ephemeral_gb=0, swap=0,
         num_instances=1, image_properties=None, availability_zone=None,
         hints=None, retry=None, **filter_properties):
    """A RequestSpec (``now`` set) from the contract's two dicts."""
    req = {'instance_uuids': ['uuid-%d' % i for i in range(num_instances)],
           'num_instances': num_instances,
           'flavor': {'memory_mb': memory_mb, 'vcpus': vcpus,
                      'root_gb': root_gb, 'ephemeral_gb': ephemeral_gb,
                      'swap': swap, 'extra_specs': {}},
           'image': {'id': 'image-1',
                     'properties': image_properties or {}},
           'availability_zone': availability_zone,
           'project_id': 'project-1',
           'scheduler_hints': hints or {}}
    if retry is not None:
        filter_properties['retry'] = retry
    result = request_spec.RequestSpec(req, filter_properties)
    result.now = timeutils.utcnow()
    return result


def request(memory_mb=512, vcpus=1, root_gb=1, ephemeral_gb=0, swap=0,
            num_instances=1, availability_zone=None, hints=None,
            image_properties=None):
    """The request_spec dict of the RPC contract."""
    return {'instance_uuids': ['uuid-%d' % i for i in range(num_instances)],
            'num_instances': num_instances,
            'flavor': {'memory_mb': memory_mb, 'vcpus': vcpus,
                       'root_gb': root_gb, 'ephemeral_gb': ephemeral_gb,
                       'swap': swap, 'extra_specs': {}},
            'image': {'id': 'image-1', 'properties': image_properties or {}},
            'availability_zone': availability_zone,
            'project_id': 'project-1',
            'scheduler_hints': hints or {}}


def ago(seconds):
    return timeutils.utcnow() - datetime.timedelta(seconds=seconds)


def host_view(hosts):
    """A HostManager holding ``hosts``: {name: node row values} or
    {name: (node values, service values)}."""
    hm = host_manager.HostManager()
    services, nodes = [], []
    for name, values in hosts.items():
        node_values, service_values = (values if isinstance(values, tuple)
                                       else (values, {}))
        services.append(service_row(name, **service_values))
        nodes.append(node_row(name, **node_values))
    hm.apply_rows(services, nodes)
    return hm
