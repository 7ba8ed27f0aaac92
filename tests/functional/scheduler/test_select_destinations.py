"""nimbus-scheduler in one process: a Service running SchedulerManager over
fake:// and SQLite, asked through SchedulerAPI like the conductor asks."""

import time

import pytest

from nimbus import context as nimbus_context
from nimbus.db.api import compute_node as compute_node_db
from nimbus.db.api import service as service_db
from nimbus.db import migration
from nimbus import exception
from nimbus.scheduler import manager as scheduler_manager
from nimbus.scheduler import rpcapi as scheduler_rpcapi
from nimbus import service


def _add_compute_host(context, host, memory_mb=8192, vcpus=8, local_gb=100):
    svc = service_db.service_create(context, {
        'host': host, 'binary': 'nimbus-compute', 'topic': 'compute'})
    service_db.service_heartbeat(context, svc['id'])
    compute_node_db.compute_node_create(context, {
        'service_id': svc['id'], 'host': host, 'hypervisor_hostname': host,
        'hypervisor_type': 'QEMU', 'hypervisor_version': 8002000,
        'vcpus': vcpus, 'memory_mb': memory_mb, 'local_gb': local_gb,
        'free_ram_mb': memory_mb, 'free_disk_gb': local_gb})


def _request(num_instances=1, memory_mb=1024, vcpus=1, root_gb=10):
    return {'instance_uuids': ['uuid-%d' % i for i in range(num_instances)],
            'num_instances': num_instances,
            'flavor': {'memory_mb': memory_mb, 'vcpus': vcpus,
                       'root_gb': root_gb, 'ephemeral_gb': 0, 'swap': 0,
                       'extra_specs': {}},
            'image': {'id': 'image-1', 'properties': {}},
            'availability_zone': None, 'project_id': 'project-1',
            'scheduler_hints': {}}


@pytest.fixture
def context():
    return nimbus_context.get_admin_context()


@pytest.fixture
def scheduler(conf, fake_rpc, context):
    conf.config(service_down_time=60, ram_allocation_ratio=1.0)
    conf.config(sync_interval=0.1, group='scheduler')
    migration.db_sync()
    for host in ('compute1', 'compute2', 'compute3'):
        _add_compute_host(context, host)
    svc = service.Service('test-host', 'nimbus-scheduler', 'scheduler',
                          scheduler_manager.SchedulerManager())
    svc.start()
    yield svc
    svc.stop()
    svc.wait(10)


def test_multiple_create_spreads_over_three_hosts(scheduler, context):
    result = scheduler_rpcapi.SchedulerAPI().select_destinations(
        context, _request(num_instances=3), {})
    assert sorted(r['host'] for r in result) == ['compute1', 'compute2',
                                                 'compute3']
    for r in result:
        assert r['nodename'] == r['host']
        assert r['limits'] == {'memory_mb': 8192.0, 'vcpu': 128.0,
                               'disk_gb': 100.0}


def test_no_valid_host_when_ram_is_too_small(scheduler, context):
    with pytest.raises(exception.NoValidHost) as err:
        scheduler_rpcapi.SchedulerAPI().select_destinations(
            context, _request(memory_mb=16384), {})
    message = err.value.format_message()
    assert message.startswith('No valid host was found. ')
    assert 'RamFilter returned 0 hosts' in message


def test_retry_excludes_hosts_already_tried(scheduler, context):
    retry = {'num_attempts': 3,
             'hosts': [['compute1', 'compute1'], ['compute2', 'compute2']]}
    for _ in range(2):
        result = scheduler_rpcapi.SchedulerAPI().select_destinations(
            context, _request(), {'retry': retry})
        assert [r['host'] for r in result] == ['compute3']
    retry['num_attempts'] = 4
    with pytest.raises(exception.NoValidHost) as err:
        scheduler_rpcapi.SchedulerAPI().select_destinations(
            context, _request(), {'retry': retry})
    assert 'Exceeded max scheduling attempts 3' in str(err.value)


def test_consumption_is_seen_by_the_next_request(scheduler, context):
    api = scheduler_rpcapi.SchedulerAPI()
    hosts = [api.select_destinations(context, _request(memory_mb=8192),
                                     {})[0]['host'] for _ in range(3)]
    assert sorted(hosts) == ['compute1', 'compute2', 'compute3']
    with pytest.raises(exception.NoValidHost):
        api.select_destinations(context, _request(memory_mb=8192), {})


def test_a_new_compute_host_is_picked_up_by_the_sync(scheduler, context):
    _add_compute_host(context, 'compute4', memory_mb=65536)
    api = scheduler_rpcapi.SchedulerAPI()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        result = api.select_destinations(context, _request(), {})
        if result[0]['host'] == 'compute4':
            break
        time.sleep(0.1)
    else:
        pytest.fail('compute4 never reached the host view')
