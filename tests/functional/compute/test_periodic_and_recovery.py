"""Periodic tasks (power sync, build timeout, running-deleted cleanup)
and init_host recovery after a compute restart."""

import time

import pytest

from nimbus.compute import power_state
from nimbus import objects


@pytest.fixture
def active(cloud):
    ctx = cloud.context()
    [inst] = cloud.boot(ctx)
    inst = cloud.wait_for(inst.uuid, 'active', None)
    return ctx, inst.uuid, inst.host


def test_guest_found_off_makes_the_instance_shutoff(cloud, active):
    ctx, uuid, host = active
    cloud.driver(host).set_power_state(uuid, power_state.SHUTDOWN)
    cloud.manager(host)._sync_power_states(cloud.admin)
    inst = cloud.get(uuid)
    assert (inst.vm_state, inst.power_state) == ('stopped',
                                                 power_state.SHUTDOWN)


def test_hypervisor_event_makes_the_instance_shutoff_at_once(cloud, active):
    # A guest killed behind nimbus's back: the driver's lifecycle event,
    # not the periodic sync, brings the database along.
    ctx, uuid, host = active
    cloud.driver(host).set_power_state(uuid, power_state.SHUTDOWN)
    cloud.driver(host).emit_event(uuid)
    inst = cloud.get(uuid)
    assert (inst.vm_state, inst.power_state) == ('stopped',
                                                 power_state.SHUTDOWN)


def test_hypervisor_event_of_an_unknown_guest_is_ignored(cloud, active):
    ctx, uuid, host = active
    cloud.driver(host).emit_event('00000000-0000-0000-0000-000000000000')
    assert cloud.get(uuid).vm_state == 'active'


def test_power_sync_never_starts_a_guest_the_user_stopped(cloud, active):
    ctx, uuid, host = active
    cloud.api.stop(ctx, cloud.api.get(ctx, uuid))
    cloud.wait_for(uuid, 'stopped', None)
    cloud.driver(host).set_power_state(uuid, power_state.RUNNING)
    cloud.manager(host)._sync_power_states(cloud.admin)
    inst = cloud.get(uuid)
    assert (inst.vm_state, inst.power_state) == ('stopped',
                                                 power_state.SHUTDOWN)
    assert cloud.driver(host).instances[uuid].state == power_state.SHUTDOWN


def test_power_sync_leaves_instances_with_a_task_alone(cloud, active):
    ctx, uuid, host = active
    cloud.driver(host).set_delay('pause', 0.5)
    cloud.api.pause(ctx, cloud.api.get(ctx, uuid))
    cloud.driver(host).set_power_state(uuid, power_state.SHUTDOWN)
    cloud.manager(host)._sync_power_states(cloud.admin)
    assert cloud.get(uuid).task_state == 'pausing'
    cloud.wait_for(uuid, 'paused', None)


def test_build_timeout_sets_error_and_the_late_guest_is_cleaned(cloud,
                                                                conf):
    conf.config(instance_build_timeout=1)
    for host in ('host1', 'host2'):
        cloud.driver(host).set_delay('spawn', 1.5)
    ctx = cloud.context()
    [inst] = cloud.boot(ctx)
    inst = cloud.wait_for(inst.uuid, 'building', 'spawning')
    time.sleep(1.05)
    cloud.manager(inst.host)._check_instance_build_time(cloud.admin)
    failed = cloud.wait_for(inst.uuid, 'error', None,
                            expected_attrs=['fault'])
    assert 'timed out' in failed.fault.message
    deadline = time.monotonic() + 5
    while cloud.network.allocated and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cloud.network.allocated == {}
    assert inst.uuid not in cloud.driver(inst.host).instances


def test_running_guest_of_a_deleted_instance_is_reaped(cloud, active):
    ctx, uuid, host = active
    cloud.get(uuid).destroy()  # deleted behind the compute's back
    assert uuid in cloud.driver(host).instances
    cloud.manager(host)._cleanup_running_deleted_instances(cloud.admin)
    assert uuid not in cloud.driver(host).instances


def _restart(cloud, host, **task_states):
    cloud.stop_compute(host)
    for uuid, (vm_state, task_state) in task_states.items():
        inst = cloud.get(uuid)
        inst.vm_state, inst.task_state = vm_state, task_state
        inst.save()
    cloud.start_compute(host)


def test_restart_recovers_instances_left_mid_task(cloud):
    ctx = cloud.context()
    cloud.scheduler.disabled.add('host2')
    uuids = [i.uuid for i in cloud.boot(ctx, count=6)]
    for uuid in uuids:
        cloud.wait_for(uuid, 'active', None)
    building, rebooting, stopping, deleting, pausing, stopped_off = uuids
    cloud.driver('host1').set_power_state(stopped_off, power_state.SHUTDOWN)
    _restart(cloud, 'host1', **{
        building: ('building', 'spawning'),
        rebooting: ('active', 'reboot_pending'),
        stopping: ('active', 'powering-off'),
        deleting: ('active', 'deleting'),
        pausing: ('active', 'pausing'),
    })
    inst = cloud.get(building, expected_attrs=['fault'])
    assert (inst.vm_state, inst.task_state) == ('error', None)
    assert 'restarted' in inst.fault.message
    assert (cloud.get(rebooting).vm_state,
            cloud.get(rebooting).task_state) == ('active', None)
    inst = cloud.get(stopping)
    assert (inst.vm_state, inst.task_state, inst.power_state) == (
        'stopped', None, power_state.SHUTDOWN)
    cloud.wait_for(deleting, 'gone')
    assert deleting not in cloud.network.allocated
    # The pause never reached the guest: it runs, so the instance is ACTIVE.
    assert (cloud.get(pausing).vm_state, cloud.get(pausing).task_state) == (
        'active', None)
    # Found off at start: SHUTOFF, as the power sync would say.
    assert cloud.get(stopped_off).vm_state == 'stopped'
    stuck = objects.InstanceList.get_by_filters(
        cloud.admin, {'task_state': [t for t in (
            'spawning', 'reboot_pending', 'powering-off', 'deleting',
            'pausing')]})
    assert len(stuck) == 0


def test_resume_guests_state_on_host_boot(cloud, conf):
    conf.config(resume_guests_state_on_host_boot=True)
    ctx = cloud.context()
    [inst] = cloud.boot(ctx)
    inst = cloud.wait_for(inst.uuid, 'active', None)
    cloud.driver(inst.host).set_power_state(inst.uuid, power_state.SHUTDOWN)
    _restart(cloud, inst.host)
    after = cloud.get(inst.uuid)
    assert (after.vm_state, after.power_state) == ('active',
                                                   power_state.RUNNING)


def test_stuck_reboot_is_redone_hard_after_reboot_timeout(cloud, active,
                                                          conf):
    conf.config(reboot_timeout=1)
    ctx, uuid, host = active
    inst = cloud.get(uuid)
    inst.task_state = 'reboot_started'  # as if the compute had lost it
    inst.save()
    time.sleep(1.1)
    cloud.manager(host)._poll_rebooting_instances(cloud.admin)
    inst = cloud.get(uuid)
    assert (inst.vm_state, inst.task_state, inst.power_state) == (
        'active', None, power_state.RUNNING)
    assert ('reboot', uuid) in cloud.driver(host).calls


def test_failed_soft_reboot_keeps_the_guest_and_records_a_fault(
        cloud, active):
    ctx, uuid, host = active
    cloud.driver(host).inject_failure('reboot')
    cloud.api.reboot(ctx, cloud.api.get(ctx, uuid), 'SOFT')
    inst = cloud.wait_for(uuid, 'active', None, expected_attrs=['fault'])
    assert 'injected reboot failure' in inst.fault.message
    action = cloud.api.get_instance_actions(ctx, inst)[0]
    assert (action.action, action.message) == ('reboot', 'Error')


def test_failed_hard_reboot_sets_error(cloud, active):
    ctx, uuid, host = active
    cloud.driver(host).inject_failure('reboot')
    cloud.api.reboot(ctx, cloud.api.get(ctx, uuid), 'HARD')
    inst = cloud.wait_for(uuid, 'error', None, expected_attrs=['fault'])
    assert 'injected reboot failure' in inst.fault.message
    # ERROR allows a hard reboot, which now works.
    cloud.api.reboot(ctx, cloud.api.get(ctx, uuid), 'HARD')
    cloud.wait_for(uuid, 'active', None)


def test_restart_redoes_an_interrupted_soft_reboot_hard(cloud):
    # A guest found running after an interrupted soft reboot may still be
    # shutting down on the ACPI request: the reboot is redone, hard. After
    # an interrupted hard reboot a running guest is the new one.
    ctx = cloud.context()
    cloud.scheduler.disabled.add('host2')
    soft, hard = [i.uuid for i in cloud.boot(ctx, count=2)]
    for uuid in (soft, hard):
        cloud.wait_for(uuid, 'active', None)
    cloud.driver('host1').calls.clear()
    _restart(cloud, 'host1', **{soft: ('active', 'reboot_started'),
                                hard: ('active', 'reboot_started_hard')})
    driver = cloud.driver('host1')
    assert ('reboot', soft) in driver.calls
    assert ('reboot', hard) not in driver.calls
    for uuid in (soft, hard):
        inst = cloud.get(uuid)
        assert (inst.vm_state, inst.task_state, inst.power_state) == (
            'active', None, power_state.RUNNING)
