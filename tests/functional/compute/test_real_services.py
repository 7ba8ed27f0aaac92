"""Boot and delete with the real scheduler and network services (fake
network driver), not the stand-ins of the other compute tests.  Only the
image service is a stand-in (it is an HTTP service)."""

import concurrent.futures
import shutil
import time

import pytest

from nimbus.compute import api as compute_api
from nimbus.compute import manager as compute_manager
from nimbus.conductor import manager as conductor_manager
from nimbus import context as nimbus_context
from nimbus import objects
from nimbus import service
from nimbus.virt import fake
from tests.functional.compute import conftest as compute_fixtures

from nimbus.network import manager as network_manager  # noqa: E402
from nimbus.network import networks  # noqa: E402
from nimbus.scheduler import manager as scheduler_manager  # noqa: E402


@pytest.fixture
def real_cloud(conf, fake_rpc, monkeypatch, schema_template, tmp_path):
    conf.config(compute_driver='fake.FakeDriver',
                network_driver='nimbus.network.fake_driver')
    shutil.copy(schema_template, tmp_path / 'nimbus.sqlite')
    fake.FakeDriver.reset_all()
    images = compute_fixtures.StandInImages()
    monkeypatch.setattr(compute_api.API, '_image_api',
                        staticmethod(lambda: images))
    admin = nimbus_context.get_admin_context()
    networks.create_networks(admin, network_manager.FlatDHCPManager,
                             'private', fixed_range_v4='10.0.0.0/24')
    scheduler = scheduler_manager.SchedulerManager(host='controller')
    services = [
        service.Service('controller', 'nimbus-conductor', 'conductor',
                        conductor_manager.ConductorManager(
                            host='controller'), periodic_enable=False),
        service.Service('controller', 'nimbus-network', 'network',
                        network_manager.FlatDHCPManager(host='controller'),
                        periodic_enable=False),
    ]
    for svc in services:
        svc.start()
    computes = [service.Service(host, 'nimbus-compute', 'compute',
                                compute_manager.ComputeManager(host=host),
                                periodic_enable=False)
                for host in compute_fixtures.HOSTS]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda svc: svc.start(), computes))
    sched = service.Service('controller', 'nimbus-scheduler', 'scheduler',
                            scheduler, periodic_enable=False)
    sched.start()
    services += computes + [sched]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        scheduler.sync_host_view(admin)
        if len(objects.ComputeNodeList.get_all(admin)) == 2:
            break
        time.sleep(0.1)
    yield compute_fixtures.Cloud(scheduler, None, images, services[0],
                                 {svc.host: svc for svc in computes})
    for svc in services:
        svc.stop()
    with concurrent.futures.ThreadPoolExecutor(len(services)) as pool:
        list(pool.map(lambda svc: svc.wait(5), services))
    fake.FakeDriver.reset_all()


def _fixed_ips(instance):
    return [ip['address'] for vif in instance.info_cache.network_info
            for subnet in vif['network']['subnets'] for ip in subnet['ips']]


def test_boot_spreads_gets_fixed_ips_and_delete_frees_them(real_cloud):
    cloud = real_cloud
    ctx = cloud.context()
    instances = cloud.boot(ctx, count=2, name='real')
    booted = [cloud.wait_for(i.uuid, 'active', None,
                             expected_attrs=['info_cache'])
              for i in instances]
    assert sorted(i.host for i in booted) == ['host1', 'host2']
    addresses = [_fixed_ips(i) for i in booted]
    assert all(len(a) == 1 and a[0].startswith('10.0.0.')
               for a in addresses)
    assert addresses[0] != addresses[1]
    for inst in booted:
        cloud.api.delete(ctx, cloud.api.get(ctx, inst.uuid))
    for inst in booted:
        cloud.wait_for(inst.uuid, 'gone')
    # The addresses go back to the pool: a new instance may get one.
    [again] = cloud.boot(ctx, name='again')
    again = cloud.wait_for(again.uuid, 'active', None,
                           expected_attrs=['info_cache'])
    assert len(_fixed_ips(again)) == 1


def test_no_valid_host_from_the_real_scheduler(real_cloud):
    cloud = real_cloud
    ctx = cloud.context()
    huge = compute_fixtures.make_flavor('9', 'huge', memory_mb=50000,
                                        id=9)
    instances, _ = cloud.api.create(ctx, huge, 'cirros')
    inst = cloud.wait_for(instances[0].uuid, 'error', None,
                          expected_attrs=['fault'])
    assert 'No valid host' in inst.fault.message


def test_build_failure_reschedules_with_the_real_scheduler(real_cloud):
    cloud = real_cloud
    ctx = cloud.context()
    [first] = cloud.boot(ctx, name='first')
    busy = cloud.wait_for(first.uuid, 'active', None).host
    cloud.scheduler.sync_host_view(cloud.admin)
    empty = [h for h in compute_fixtures.HOSTS if h != busy][0]
    # The scheduler spreads: the next instance goes to the empty host,
    # whose spawn fails once; the retry excludes it.
    cloud.driver(empty).inject_failure('spawn')
    [second] = cloud.boot(ctx, name='second')
    inst = cloud.wait_for(second.uuid, 'active', None,
                          expected_attrs=['info_cache'])
    assert inst.host == busy
    assert ('spawn', second.uuid) in cloud.driver(empty).calls
    assert second.uuid not in cloud.driver(empty).instances
    assert len(_fixed_ips(inst)) == 1
