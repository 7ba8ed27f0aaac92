"""Boot and delete through compute.api, the conductor and two computes."""

from nimbus.compute import power_state
from nimbus import objects


def _addresses(instance):
    return instance.info_cache.addresses()


def test_boot_goes_active_with_a_fixed_ip_in_the_info_cache(cloud):
    ctx = cloud.context()
    [inst] = cloud.boot(ctx, name='web')
    assert (inst.vm_state, inst.task_state) == ('building', 'scheduling')
    inst = cloud.wait_for(inst.uuid, 'active', None,
                          expected_attrs=['info_cache'])
    assert inst.power_state == power_state.RUNNING
    assert inst.host in ('host1', 'host2') and inst.node == inst.host
    assert inst.launched_at is not None
    assert _addresses(inst) == [cloud.network.allocated[inst.uuid]]
    assert inst.flavor.name == 'm1.small' and inst.flavor.ram == 512
    assert inst.uuid in cloud.driver(inst.host).instances
    actions = cloud.api.get_instance_actions(ctx, inst)
    assert [a.action for a in actions] == ['create']
    _, events = cloud.api.get_instance_action(ctx, inst,
                                              actions[0].request_id)
    names = {e.event: e.result for e in events}
    assert names == {'conductor_schedule_and_build_instances': 'Success',
                     'compute_build_and_run_instance': 'Success'}
    # Finished in the transaction that made the instance ACTIVE.
    [build] = [e for e in events
               if e.event == 'compute_build_and_run_instance']
    assert actions[0].finish_time == build.finish_time is not None


def test_multiple_create_spreads_over_both_hosts(cloud):
    ctx = cloud.context()
    instances = cloud.boot(ctx, count=4, name='farm')
    assert [i.display_name for i in instances] == [
        'farm-1', 'farm-2', 'farm-3', 'farm-4']
    assert len({i.reservation_id for i in instances}) == 1
    hosts = [cloud.wait_for(i.uuid, 'active', None).host for i in instances]
    assert sorted(hosts) == ['host1', 'host1', 'host2', 'host2']
    cloud.wait_for_node('host1', memory_mb_used=1024, running_vms=2)


def test_delete_frees_the_ip_the_guest_and_the_claim(cloud):
    ctx = cloud.context()
    [inst] = cloud.boot(ctx)
    inst = cloud.wait_for(inst.uuid, 'active', None)
    host = inst.host
    cloud.api.delete(ctx, cloud.api.get(ctx, inst.uuid))
    cloud.wait_for(inst.uuid, 'gone')
    assert inst.uuid not in cloud.network.allocated
    assert inst.uuid not in cloud.driver(host).instances
    cloud.wait_for_node(host, memory_mb_used=0, running_vms=0)
    gone = cloud.get(inst.uuid, read_deleted='yes')
    assert gone.deleted and gone.vm_state == 'deleted'
    # The delete's action finished with the row, its event with it.
    actions = cloud.api.get_instance_actions(
        ctx.elevated(read_deleted='yes'), gone)
    delete = [a for a in actions if a.action == 'delete'][0]
    _, events = cloud.api.get_instance_action(
        ctx.elevated(read_deleted='yes'), gone, delete.request_id)
    [event] = [e for e in events if e.event == 'compute_terminate_instance']
    assert event.result == 'Success'
    assert delete.finish_time == event.finish_time is not None


def test_no_valid_host_sets_error_with_a_fault(cloud):
    cloud.scheduler.disabled.update(['host1', 'host2'])
    ctx = cloud.context()
    [inst] = cloud.boot(ctx)
    inst = cloud.wait_for(inst.uuid, 'error', None, expected_attrs=['fault'])
    assert 'No valid host' in inst.fault.message
    assert inst.host is None
    # Never reached a host: deleted at once, no compute involved.
    cloud.api.delete(ctx, inst)
    cloud.wait_for(inst.uuid, 'gone')


def test_build_failure_reschedules_to_the_other_host(cloud):
    for host in ('host1', 'host2'):
        cloud.driver(host).inject_failure('spawn')
    # Whichever host gets it first fails once; the other succeeds.
    cloud.driver('host2').inject_failure('spawn', times=0)
    ctx = cloud.context()
    [inst] = cloud.boot(ctx)
    inst = cloud.wait_for(inst.uuid, 'active', None)
    assert inst.host == 'host2'
    assert len(cloud.scheduler.calls) == 2
    retry = cloud.scheduler.calls[1][1]['retry']
    assert retry['num_attempts'] == 2 and retry['hosts'] == [
        ['host1', 'host1']]
    assert inst.uuid not in cloud.driver('host1').instances
    assert list(cloud.network.allocated) == [inst.uuid]


def test_build_failing_everywhere_ends_in_error(cloud):
    for host in ('host1', 'host2'):
        cloud.driver(host).inject_failure('spawn', times=5)
    ctx = cloud.context()
    [inst] = cloud.boot(ctx)
    inst = cloud.wait_for(inst.uuid, 'error', None, expected_attrs=['fault'])
    assert inst.fault.message  # why the last attempt failed
    assert cloud.network.allocated == {}


def test_create_with_flavor_and_keypair_objects(cloud, monkeypatch):
    from nimbus.compute import api as compute_api
    from tests.functional.compute import conftest
    monkeypatch.setattr(compute_api.API, '_get_flavor',
                        conftest.REAL_GET_FLAVOR)
    ctx = cloud.context()
    flavor = objects.Flavor(cloud.admin, flavorid='42', name='t1.gpu',
                            memory_mb=256, vcpus=1, root_gb=1,
                            ephemeral_gb=0, swap=0,
                            extra_specs={'gpu': 'none'})
    flavor.create()
    objects.KeyPair(ctx, name='mine', user_id=ctx.user_id,
                    public_key='ssh-rsa AAAA mine', fingerprint='f').create()
    instances, reservation = cloud.api.create(
        ctx, '42', 'cirros', display_name='gpu', key_name='mine',
        metadata={'role': 'test'}, user_data='aGVsbG8=')
    inst = cloud.wait_for(instances[0].uuid, 'active', None)
    assert reservation.startswith('r-')
    assert (inst.flavor.flavorid, inst.flavor.name, inst.memory_mb) == (
        '42', 't1.gpu', 256)
    assert inst.flavor.extra_specs == {'gpu': 'none'}
    assert inst.key_data == 'ssh-rsa AAAA mine'
    assert inst.instance_type_id == flavor.id
    assert [i.uuid for i in cloud.api.get_all(ctx, {'flavor': '42'})] == [
        inst.uuid]


def test_create_refusals_write_nothing(cloud, conf):
    import pytest
    from nimbus import exception
    from tests.functional.compute.conftest import FLAVORS
    ctx = cloud.context()
    cases = [
        (exception.InstanceUserDataMalformed, {'user_data': 'not base64!'}),
        (exception.InvalidInstanceCount, {'min_count': 3, 'max_count': 2}),
        (exception.InstanceAvailabilityZoneNotFound,
         {'availability_zone': 'mars'}),
        (exception.MetadataLimitExceeded,
         {'metadata': {str(i): 'x' for i in range(200)}}),
    ]
    for error, kwargs in cases:
        with pytest.raises(error):
            cloud.api.create(ctx, FLAVORS['1'], 'cirros', **kwargs)
    cloud.images.add({'id': 'big', 'status': 'active', 'min_ram': 4096,
                      'properties': {}})
    with pytest.raises(exception.FlavorMemoryTooSmall):
        cloud.api.create(ctx, FLAVORS['1'], 'big')
    conf.config(instances=1, group='quota')
    with pytest.raises(exception.OverQuota):
        cloud.api.create(ctx, FLAVORS['1'], 'cirros', min_count=2,
                         max_count=2)
    assert len(cloud.api.get_all(ctx)) == 0
    # max_count over quota but min_count within: the smaller number.
    instances, _ = cloud.api.create(ctx, FLAVORS['1'], 'cirros',
                                    min_count=1, max_count=3)
    assert len(instances) == 1


def test_workflow_event_and_action_end_with_the_settling_save(cloud):
    ctx = cloud.context()
    [inst] = cloud.boot(ctx)
    cloud.wait_for(inst.uuid, 'active', None)
    cloud.api.stop(ctx, cloud.api.get(ctx, inst.uuid))
    inst = cloud.wait_for(inst.uuid, 'stopped', None)
    # As soon as the state says stopped, the action says finished.
    stop = [a for a in cloud.api.get_instance_actions(ctx, inst)
            if a.action == 'stop'][0]
    _, events = cloud.api.get_instance_action(ctx, inst, stop.request_id)
    assert [(e.event, e.result) for e in events] == [
        ('compute_stop_instance', 'Success')]
    assert stop.finish_time == events[0].finish_time is not None
