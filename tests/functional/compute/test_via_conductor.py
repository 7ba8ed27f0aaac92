"""The compute workflows with every object call of nimbus-compute sent to
the conductor over RPC, as on a real compute node."""

import pytest

from nimbus.compute import power_state


@pytest.fixture
def cloud_rpc(compute_via_conductor, cloud):
    return cloud


def test_boot_actions_and_delete_through_the_conductor(cloud_rpc):
    cloud = cloud_rpc
    ctx = cloud.context()
    [inst] = cloud.boot(ctx)
    inst = cloud.wait_for(inst.uuid, 'active', None,
                          expected_attrs=['info_cache'])
    assert inst.info_cache.addresses() == [
        cloud.network.allocated[inst.uuid]]
    for method, vm_state in (('stop', 'stopped'), ('start', 'active'),
                             ('pause', 'paused'), ('unpause', 'active')):
        getattr(cloud.api, method)(ctx, cloud.api.get(ctx, inst.uuid))
        cloud.wait_for(inst.uuid, vm_state, None)
    cloud.driver(inst.host).set_power_state(inst.uuid, power_state.SHUTDOWN)
    cloud.manager(inst.host)._sync_power_states(cloud.admin)
    assert cloud.get(inst.uuid).vm_state == 'stopped'
    _, events = cloud.api.get_instance_action(
        ctx, inst, cloud.api.get_instance_actions(ctx, inst)[0].request_id)
    assert [e.result for e in events] == ['Success']
    cloud.api.delete(ctx, cloud.api.get(ctx, inst.uuid))
    cloud.wait_for(inst.uuid, 'gone')
    assert cloud.network.allocated == {}


def test_reschedule_and_resize_through_the_conductor(cloud_rpc, conf):
    cloud = cloud_rpc
    cloud.driver('host1').inject_failure('spawn')
    ctx = cloud.context()
    [inst] = cloud.boot(ctx)
    inst = cloud.wait_for(inst.uuid, 'active', None)
    assert inst.host == 'host2'
    cloud.api.resize(ctx, cloud.api.get(ctx, inst.uuid), '2')
    resized = cloud.wait_for(inst.uuid, 'resized', None)
    assert (resized.host, resized.memory_mb) == ('host1', 1024)
    cloud.api.confirm_resize(ctx, cloud.api.get(ctx, inst.uuid))
    done = cloud.wait_for(inst.uuid, 'active', None)
    assert done.flavor.flavorid == '2'
