"""nimbus.db.api.compute_node on SQLite."""

import pytest

from oslo_utils import uuidutils

from nimbus.db.api import compute_node as compute_node_db
from nimbus.db.api import service as service_db
from nimbus.db import exception


@pytest.fixture
def service(context):
    return service_db.service_create(context, {
        'host': 'host1', 'binary': 'nimbus-compute', 'topic': 'compute'})


def _values(service, **values):
    defaults = {'service_id': service['id'], 'host': service['host'],
                'hypervisor_hostname': 'node1', 'hypervisor_type': 'QEMU',
                'hypervisor_version': 7002000, 'vcpus': 2,
                'memory_mb': 2048, 'local_gb': 20, 'cpu_info': '{}',
                'cpu_allocation_ratio': 16.0, 'ram_allocation_ratio': 1.5,
                'disk_allocation_ratio': 1.0}
    defaults.update(values)
    return defaults


def test_create(context, service):
    node = compute_node_db.compute_node_create(context, _values(service))
    assert type(node) is dict
    assert uuidutils.is_uuid_like(node['uuid'])
    assert node['vcpus_used'] == 0
    assert node['ram_allocation_ratio'] == 1.5
    assert compute_node_db.compute_node_get(context, node['id']) == node


def test_create_keeps_a_given_uuid(context, service):
    uuid = uuidutils.generate_uuid()
    node = compute_node_db.compute_node_create(
        context, _values(service, uuid=uuid))
    assert node['uuid'] == uuid


def test_create_duplicate(context, service):
    compute_node_db.compute_node_create(context, _values(service))
    with pytest.raises(exception.ComputeNodeExists):
        compute_node_db.compute_node_create(context, _values(service))


def test_get_by_host_and_nodename(context, service):
    node = compute_node_db.compute_node_create(context, _values(service))
    compute_node_db.compute_node_create(
        context, _values(service, hypervisor_hostname='node2'))
    assert compute_node_db.compute_node_get_by_host_and_nodename(
        context, 'host1', 'node1') == node
    with pytest.raises(exception.ComputeHostNotFound):
        compute_node_db.compute_node_get_by_host_and_nodename(
            context, 'host1', 'node3')


def test_get_all(context, service):
    first = compute_node_db.compute_node_create(context, _values(service))
    second = compute_node_db.compute_node_create(
        context, _values(service, hypervisor_hostname='node2'))
    gone = compute_node_db.compute_node_create(
        context, _values(service, hypervisor_hostname='node3'))
    compute_node_db.compute_node_delete(context, gone['id'])
    assert compute_node_db.compute_node_get_all(context) == [first, second]
    assert compute_node_db.compute_node_get_all_by_host(
        context, 'host1') == [first, second]
    with pytest.raises(exception.ComputeHostNotFound):
        compute_node_db.compute_node_get_all_by_host(context, 'host2')


def test_update(context, service):
    node = compute_node_db.compute_node_create(context, _values(service))
    updated = compute_node_db.compute_node_update(
        context, node['id'],
        {'vcpus_used': 1, 'memory_mb_used': 512, 'free_ram_mb': 1536,
         'running_vms': 1})
    # What was written, not the row: the row is not read again.
    assert set(updated) == {'vcpus_used', 'memory_mb_used', 'free_ram_mb',
                            'running_vms', 'updated_at'}
    row = compute_node_db.compute_node_get(context, node['id'])
    assert (row['vcpus_used'], row['free_ram_mb']) == (1, 1536)
    assert row['updated_at'] == updated['updated_at']
    assert row['vcpus'] == node['vcpus']
    with pytest.raises(exception.ComputeNodeNotFound):
        compute_node_db.compute_node_update(context, 999, {'vcpus_used': 1})


def test_delete_allows_recreating(context, service):
    node = compute_node_db.compute_node_create(context, _values(service))
    compute_node_db.compute_node_delete(context, node['id'])
    with pytest.raises(exception.ComputeNodeNotFound):
        compute_node_db.compute_node_get(context, node['id'])
    again = compute_node_db.compute_node_create(context, _values(service))
    assert again['id'] != node['id']
