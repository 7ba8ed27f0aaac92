"""Every instance action through compute.api: the states it passes, and
refusals that change nothing."""

import pytest

from nimbus.compute import api as compute_api
from nimbus.compute import power_state
from nimbus import exception


@pytest.fixture
def active(cloud):
    ctx = cloud.context()
    [inst] = cloud.boot(ctx)
    cloud.wait_for(inst.uuid, 'active', None)
    return ctx, inst.uuid


def _act(cloud, ctx, uuid, method, *args):
    getattr(cloud.api, method)(ctx, cloud.api.get(ctx, uuid), *args)


@pytest.mark.parametrize('steps', [
    [('stop', 'stopped', power_state.SHUTDOWN),
     ('start', 'active', power_state.RUNNING)],
    [('pause', 'paused', power_state.PAUSED),
     ('unpause', 'active', power_state.RUNNING)],
    [('suspend', 'suspended', power_state.SUSPENDED),
     ('resume', 'active', power_state.RUNNING)],
    [('reboot', 'active', power_state.RUNNING, 'SOFT'),
     ('reboot', 'active', power_state.RUNNING, 'HARD')],
    [('stop', 'stopped', power_state.SHUTDOWN),
     ('reboot', 'active', power_state.RUNNING, 'HARD')],
])
def test_power_actions_reach_their_states(cloud, active, steps):
    ctx, uuid = active
    for method, vm_state, power, *args in steps:
        _act(cloud, ctx, uuid, method, *args)
        inst = cloud.wait_for(uuid, vm_state, None)
        assert inst.power_state == power, method
    names = [a.action for a in cloud.api.get_instance_actions(
        ctx, cloud.api.get(ctx, uuid))]
    assert names[-1] == 'create' and len(names) == len(steps) + 1


def test_task_state_is_set_by_the_api_before_the_cast(cloud, active):
    ctx, uuid = active
    cloud.driver(cloud.get(uuid).host).set_delay('power_off', 0.3)
    _act(cloud, ctx, uuid, 'stop')
    inst = cloud.get(uuid)
    assert (inst.vm_state, inst.task_state) == ('active', 'powering-off')
    cloud.wait_for(uuid, 'stopped', None)


@pytest.mark.parametrize('method,args', [
    ('start', ()), ('unpause', ()), ('resume', ()), ('confirm_resize', ()),
    ('revert_resize', ()), ('restore', ())])
def test_refusals_from_active_change_nothing(cloud, active, method, args):
    ctx, uuid = active
    before = cloud.get(uuid)
    with pytest.raises(exception.InstanceInvalidState) as error:
        _act(cloud, ctx, uuid, method, *args)
    assert error.value.code == 409
    assert 'vm_state active' in error.value.format_message()
    after = cloud.get(uuid)
    assert (after.vm_state, after.task_state, after.updated_at) == (
        before.vm_state, before.task_state, before.updated_at)


def test_refusal_while_a_task_runs_names_the_task(cloud, active):
    ctx, uuid = active
    cloud.driver(cloud.get(uuid).host).set_delay('pause', 0.5)
    _act(cloud, ctx, uuid, 'pause')
    with pytest.raises(exception.InstanceInvalidState) as error:
        _act(cloud, ctx, uuid, 'stop')
    assert 'task_state pausing' in error.value.format_message()
    cloud.wait_for(uuid, 'paused', None)


def test_two_actions_on_a_stale_copy_only_one_wins(cloud, active):
    ctx, uuid = active
    first, second = cloud.api.get(ctx, uuid), cloud.api.get(ctx, uuid)
    cloud.api.stop(ctx, first)
    # The stop may have finished already: then the vm_state differs.
    with pytest.raises((exception.UnexpectedTaskStateError,
                        exception.InstanceInvalidState)):
        cloud.api.pause(ctx, second)
    inst = cloud.wait_for(uuid, 'stopped', None)
    assert inst.power_state == power_state.SHUTDOWN


def test_locked_instance_refuses_the_owner_but_not_an_admin(cloud, active):
    ctx, uuid = active
    admin = cloud.context(project_id='admin', user_id='root', is_admin=True)
    cloud.api.lock(admin, cloud.api.get(admin, uuid))
    inst = cloud.api.get(ctx, uuid)
    assert inst.locked and inst.locked_by == 'admin'
    with pytest.raises(exception.InstanceIsLocked):
        cloud.api.stop(ctx, inst)
    with pytest.raises(exception.InstanceIsLocked):
        cloud.api.delete(ctx, inst)
    with pytest.raises(exception.InstanceIsLocked):
        cloud.api.unlock(ctx, inst)
    assert cloud.get(uuid).task_state is None
    cloud.api.stop(admin, cloud.api.get(admin, uuid))
    cloud.wait_for(uuid, 'stopped', None)
    cloud.api.unlock(admin, cloud.api.get(admin, uuid))
    cloud.api.start(ctx, cloud.api.get(ctx, uuid))
    cloud.wait_for(uuid, 'active', None)


def test_rebuild_uses_the_new_image(cloud, active):
    ctx, uuid = active
    cloud.images.add({'id': 'fedora', 'name': 'fedora', 'status': 'active',
                      'size': 10, 'properties': {}})
    cloud.api.rebuild(ctx, cloud.api.get(ctx, uuid), 'fedora',
                      display_name='rebuilt', metadata={'v': '2'})
    inst = cloud.wait_for(uuid, 'active', None)
    assert (inst.image_ref, inst.display_name) == ('fedora', 'rebuilt')
    assert cloud.api.get(ctx, uuid, ['metadata']).metadata == {'v': '2'}
    guest = cloud.driver(inst.host).instances[uuid]
    assert guest.image_ref == 'fedora'


def test_snapshot_uploads_an_image(cloud, active):
    ctx, uuid = active
    image = cloud.api.snapshot(ctx, cloud.api.get(ctx, uuid), 'snap')
    cloud.wait_for(uuid, 'active', None)
    stored = cloud.images.images[image['id']]
    assert stored['status'] == 'active' and stored['data'].startswith(
        b'fake disk')
    assert stored['properties']['instance_uuid'] == uuid


def test_failed_snapshot_deletes_the_image_and_keeps_the_guest(cloud,
                                                               active):
    ctx, uuid = active
    cloud.driver(cloud.get(uuid).host).inject_failure('snapshot')
    image = cloud.api.snapshot(ctx, cloud.api.get(ctx, uuid), 'snap')
    inst = cloud.wait_for(uuid, 'active', None, expected_attrs=['fault'])
    assert image['id'] not in cloud.images.images
    assert 'injected snapshot failure' in inst.fault.message


def test_console_output_tail(cloud, active):
    ctx, uuid = active
    out = cloud.api.get_console_output(ctx, cloud.api.get(ctx, uuid))
    assert 'login:' in out
    assert cloud.api.get_console_output(
        ctx, cloud.api.get(ctx, uuid), 1) == 'login:\n'


def test_metadata_set_update_delete_and_quota(cloud, active, conf):
    ctx, uuid = active
    inst = cloud.api.get(ctx, uuid)
    assert cloud.api.update_instance_metadata(ctx, inst, {'a': '1'}) == {
        'a': '1'}
    assert cloud.api.update_instance_metadata(ctx, inst, {'b': '2'}) == {
        'a': '1', 'b': '2'}
    assert cloud.api.update_instance_metadata(ctx, inst, {'c': '3'},
                                              delete=True) == {'c': '3'}
    cloud.api.delete_instance_metadata(ctx, inst, 'c')
    assert cloud.api.get(ctx, uuid, ['metadata']).metadata == {}
    with pytest.raises(exception.MetadataNotFound):
        cloud.api.delete_instance_metadata(ctx, inst, 'c')
    conf.config(metadata_items=2, group='quota')
    with pytest.raises(exception.MetadataLimitExceeded):
        cloud.api.update_instance_metadata(ctx, inst, dict.fromkeys('xyz',
                                                                    '1'))


def test_reset_state_and_update(cloud, active):
    ctx, uuid = active
    admin = cloud.context(is_admin=True)
    cloud.api.reset_state(admin, cloud.api.get(admin, uuid), 'error')
    assert cloud.get(uuid).vm_state == 'error'
    cloud.api.reset_state(admin, cloud.api.get(admin, uuid), 'active')
    inst = cloud.api.update(ctx, cloud.api.get(ctx, uuid),
                            display_name='renamed',
                            access_ip_v4='192.0.2.1')
    assert cloud.get(uuid).display_name == 'renamed'
    assert inst.access_ip_v4 == '192.0.2.1'


def test_soft_delete_restore_and_reclaim(cloud, active, conf):
    conf.config(reclaim_instance_interval=1)
    ctx, uuid = active
    host = cloud.get(uuid).host
    cloud.api.delete(ctx, cloud.api.get(ctx, uuid))
    inst = cloud.wait_for(uuid, 'soft-delete', None)
    assert inst.power_state == power_state.SHUTDOWN
    cloud.api.restore(ctx, cloud.api.get(ctx, uuid))
    cloud.wait_for(uuid, 'active', None)
    cloud.api.delete(ctx, cloud.api.get(ctx, uuid))
    cloud.wait_for(uuid, 'soft-delete', None)
    import time
    time.sleep(1.1)
    cloud.manager(host)._reclaim_queued_deletes(cloud.admin)
    cloud.wait_for(uuid, 'gone')
    assert uuid not in cloud.network.allocated


def test_force_delete_of_a_soft_deleted_instance(cloud, active, conf):
    conf.config(reclaim_instance_interval=3600)
    ctx, uuid = active
    cloud.api.delete(ctx, cloud.api.get(ctx, uuid))
    cloud.wait_for(uuid, 'soft-delete', None)
    cloud.api.force_delete(ctx, cloud.api.get(ctx, uuid))
    cloud.wait_for(uuid, 'gone')


def test_delete_while_building_wins_over_the_build(cloud):
    cloud.driver('host1').set_delay('spawn', 0.4)
    cloud.driver('host2').set_delay('spawn', 0.4)
    ctx = cloud.context()
    [inst] = cloud.boot(ctx)
    inst = cloud.wait_for(inst.uuid, 'building', 'spawning')
    cloud.api.delete(ctx, cloud.api.get(ctx, inst.uuid))
    cloud.wait_for(inst.uuid, 'gone')
    import time
    time.sleep(0.6)
    assert not cloud.driver(inst.host).instances
    assert cloud.network.allocated == {}


def test_rescue_and_unrescue(cloud, active):
    ctx, uuid = active
    password = cloud.api.rescue(ctx, cloud.api.get(ctx, uuid))
    assert len(password) == 12
    inst = cloud.wait_for(uuid, 'rescued', None)
    guest = cloud.driver(inst.host).instances[uuid]
    assert guest.rescued and guest.state == power_state.RUNNING
    with pytest.raises(exception.InstanceInvalidState):
        cloud.api.rescue(ctx, cloud.api.get(ctx, uuid))
    cloud.api.unrescue(ctx, cloud.api.get(ctx, uuid))
    cloud.wait_for(uuid, 'active', None)
    assert not guest.rescued


def test_trigger_crash_dump_refused_by_a_pin_below_1_6(cloud, active, conf):
    """Hosts pinned below 1.6 would drop the cast: refused (409) before
    the action is recorded."""
    ctx, uuid = active
    conf.config(compute='1.5', group='upgrade_levels')
    api = compute_api.API()
    before = cloud.get(uuid)
    with pytest.raises(exception.RPCPinnedToOldVersion) as error:
        api.trigger_crash_dump(ctx, api.get(ctx, uuid))
    assert error.value.code == 409
    names = [a.action for a in api.get_instance_actions(
        ctx, api.get(ctx, uuid))]
    assert names == ['create']
    after = cloud.get(uuid)
    assert (after.task_state, after.updated_at) == (before.task_state,
                                                    before.updated_at)
