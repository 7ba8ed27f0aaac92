"""Instance objects over SQLite: create, load, compare-and-swap save,
filters, actions, faults, destroy -- directly and through the conductor's
object proxy, as nimbus-compute uses them."""

import time

import pytest

from nimbus.conductor import manager as conductor_manager
from nimbus import context as nimbus_context
from nimbus.db import migration
from nimbus import exception
from nimbus import objects
from nimbus.objects import instance_action

FLAVOR = {'id': 1, 'name': 'm1.tiny', 'flavorid': '1', 'memory_mb': 512,
          'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
          'extra_specs': {'x': 'y'}}


@pytest.fixture
def ctx(conf):
    migration.db_sync()
    return nimbus_context.RequestContext(user_id='u', project_id='p',
                                         request_id='req-1')


def _create(ctx, **kwargs):
    values = dict(display_name='vm1', project_id='p', user_id='u',
                  vm_state='building', task_state='scheduling',
                  memory_mb=512, metadata={'a': 'b'},
                  security_groups=['default'])
    values.update(kwargs)
    inst = objects.Instance(ctx, **values)
    inst.set_flavor(FLAVOR)
    inst.create()
    return inst


def test_create_and_load_with_optional_attributes(ctx):
    inst = _create(ctx)
    assert inst.id and inst.uuid
    got = objects.Instance.get_by_uuid(
        ctx, inst.uuid, expected_attrs=['metadata', 'info_cache', 'fault',
                                        'security_groups'])
    assert (got.flavor.name, got.flavor.ram, got.flavor.disk) == (
        'm1.tiny', 512, 1)
    assert got.flavor.extra_specs == {'x': 'y'}
    assert got.metadata == {'a': 'b'}
    assert got.security_groups == ['default']
    assert got.fault is None and got.info_cache.network_info == []


def test_save_is_a_compare_and_swap_on_task_state(ctx):
    inst = _create(ctx)
    stale = objects.Instance.get_by_uuid(ctx, inst.uuid)
    inst.task_state = None
    inst.save(expected_task_state=['scheduling'])
    stale.task_state = 'networking'
    with pytest.raises(exception.UnexpectedTaskStateError):
        stale.save(expected_task_state=['scheduling'])
    assert objects.Instance.get_by_uuid(ctx, inst.uuid).task_state is None
    inst.task_state = 'deleting'
    inst.save()
    stale.task_state = None
    with pytest.raises(exception.UnexpectedDeletingTaskStateError):
        stale.save(expected_task_state=['networking'])


def test_dicts_changed_in_place_are_saved(ctx):
    inst = _create(ctx)
    inst.metadata['c'] = 'd'
    inst.save()
    assert objects.Instance.get_by_uuid(ctx, inst.uuid).metadata == {
        'a': 'b', 'c': 'd'}


def test_filters_translate_statuses(ctx):
    _create(ctx)
    _create(ctx, display_name='other', vm_state='active', task_state=None)

    def names(**filters):
        return sorted(i.display_name for i in
                      objects.InstanceList.get_by_filters(ctx, filters))

    assert names(project_id='p', name='^vm') == ['vm1']
    assert names(status='BUILD') == ['vm1']
    assert names(status=['ACTIVE', 'BUILD']) == ['other', 'vm1']
    assert names(status='SHUTOFF') == []


def test_actions_events_and_faults(ctx):
    inst = _create(ctx)
    objects.InstanceAction.action_start(ctx, inst.uuid, 'create')
    with instance_action.EventReporter(ctx, 'compute_x', 'h', inst.uuid):
        pass
    with pytest.raises(ValueError):
        with instance_action.EventReporter(ctx, 'compute_y', 'h',
                                           inst.uuid):
            raise ValueError('boom')
    [action] = objects.InstanceActionList.get_by_instance_uuid(ctx,
                                                               inst.uuid)
    events = objects.InstanceActionEventList.get_by_action(ctx, action.id)
    assert [(e.event, e.result) for e in events] == [
        ('compute_x', 'Success'), ('compute_y', 'Error')]
    assert 'ValueError: boom' in events[1].traceback
    assert objects.InstanceAction.get_by_request_id(
        ctx, inst.uuid, 'req-1').message == 'Error'
    objects.InstanceFault(ctx, instance_uuid=inst.uuid, code=500,
                          message='boom').create()
    assert objects.Instance.get_by_uuid(ctx, inst.uuid).fault.message == \
        'boom'


def test_event_reporter_finishes_the_action_with_its_event(ctx):
    inst = _create(ctx)
    objects.InstanceAction.action_start(ctx, inst.uuid, 'create')
    with instance_action.EventReporter(ctx, 'compute_x', 'h',
                                       inst.uuid) as reporter:
        action = objects.InstanceAction.get_by_request_id(ctx, inst.uuid,
                                                          'req-1')
        assert action.finish_time is None
        reporter.finish_action()
        # Only when the event finishes.
        assert objects.InstanceAction.get_by_request_id(
            ctx, inst.uuid, 'req-1').finish_time is None
    action = objects.InstanceAction.get_by_request_id(ctx, inst.uuid,
                                                      'req-1')
    [event] = objects.InstanceActionEventList.get_by_action(ctx, action.id)
    assert event.result == 'Success'
    assert action.finish_time is not None
    assert action.finish_time == event.finish_time
    assert action.message is None

    with instance_action.EventReporter(ctx, 'compute_y', 'h',
                                       inst.uuid) as reporter:
        reporter.finish_action(error=True)
    assert objects.InstanceAction.get_by_request_id(
        ctx, inst.uuid, 'req-1').message == 'Error'


def test_event_reporter_without_finish_action_leaves_it_open(ctx):
    inst = _create(ctx)
    objects.InstanceAction.action_start(ctx, inst.uuid, 'create')
    with instance_action.EventReporter(ctx, 'compute_x', 'h', inst.uuid):
        pass
    assert objects.InstanceAction.get_by_request_id(
        ctx, inst.uuid, 'req-1').finish_time is None


def test_destroy_hides_the_instance(ctx):
    inst = _create(ctx)
    inst.destroy()
    assert inst.deleted and inst.vm_state == 'deleted'
    with pytest.raises(exception.InstanceNotFound):
        objects.Instance.get_by_uuid(ctx, inst.uuid)
    deleted = objects.Instance.get_by_uuid(ctx.elevated(read_deleted='yes'),
                                           inst.uuid)
    assert deleted.deleted


def test_save_through_the_conductor_proxy_keeps_the_compare_and_swap(ctx):
    conductor = conductor_manager.ConductorManager(host='c')
    inst = _create(ctx)
    inst.task_state = 'networking'
    updates, _ = conductor.object_action(
        ctx, inst.obj_clone(), 'save', (),
        {'expected_task_state': ['scheduling']})
    assert updates['obj_what_changed'] == set()
    assert objects.Instance.get_by_uuid(ctx, inst.uuid).task_state == \
        'networking'
    stale = objects.Instance.get_by_uuid(ctx, inst.uuid)
    stale.task_state = 'spawning'
    inst2 = objects.Instance.get_by_uuid(ctx, inst.uuid)
    inst2.task_state = None
    inst2.save(expected_task_state=['networking'])
    with pytest.raises(exception.UnexpectedTaskStateError):
        conductor.object_action(ctx, stale, 'save', (),
                                {'expected_task_state': ['networking']})
    found = conductor.object_class_action_versions(
        ctx, 'Instance', 'get_by_uuid',
        {'Instance': objects.Instance.VERSION}, (inst.uuid,),
        {'expected_attrs': ['metadata']})
    assert found.metadata == {'a': 'b'}


def test_changes_since_includes_deleted_and_deleted_filter(ctx):
    import datetime
    from oslo_utils import timeutils
    before = timeutils.utcnow() - datetime.timedelta(seconds=1)
    keep, gone = _create(ctx), _create(ctx, display_name='gone')
    gone.destroy()
    since = objects.InstanceList.get_by_filters(
        ctx, {'changes-since': before})
    assert {i.uuid for i in since} == {keep.uuid, gone.uuid}
    deleted = objects.InstanceList.get_by_filters(ctx, {'deleted': True})
    assert [i.uuid for i in deleted] == [gone.uuid]
    later = objects.InstanceList.get_by_filters(
        ctx, {'changes-since': timeutils.utcnow() +
              datetime.timedelta(seconds=5)})
    assert len(later) == 0


def test_create_keeps_the_tags_it_was_given(ctx):
    inst = _create(ctx, tags=['b', 'a'])
    assert inst.tags == ['a', 'b']
    got = objects.Instance.get_by_uuid(ctx, inst.uuid,
                                       expected_attrs=['tags'])
    assert got.tags == ['a', 'b']


def test_faults_load_with_instances_in_one_read(ctx):
    first, second = _create(ctx), _create(ctx, display_name='vm2')
    objects.InstanceFault(ctx, instance_uuid=second.uuid, code=500,
                          message='old').create()
    objects.InstanceFault(ctx, instance_uuid=second.uuid, code=400,
                          message='new').create()
    listed = objects.InstanceList.get_by_filters(
        ctx, {'project_id': 'p'}, expected_attrs=['fault', 'tags'])
    faults = {i.uuid: i.fault for i in listed}
    assert faults[first.uuid] is None
    assert (faults[second.uuid].code, faults[second.uuid].message) == (
        400, 'new')
    got = objects.Instance.get_by_uuid(ctx, second.uuid,
                                       expected_attrs=['fault'])
    assert got.fault.message == 'new'
    assert 'fault' not in got.obj_what_changed()


def _count_event_calls(monkeypatch):
    calls = []
    for name in ('event_start', 'event_finish', 'event_record'):
        real = getattr(objects.InstanceActionEvent, name)
        monkeypatch.setattr(
            objects.InstanceActionEvent, name,
            (lambda real, name: lambda *a, **k: (calls.append(name),
                                                 real(*a, **k))[1])(
                real, name))
    return calls


def test_quick_event_is_written_once_started_and_finished(ctx, monkeypatch):
    inst = _create(ctx)
    objects.InstanceAction.action_start(ctx, inst.uuid, 'create')
    calls = _count_event_calls(monkeypatch)
    with instance_action.EventReporter(ctx, 'compute_x', 'h', inst.uuid):
        pass
    assert calls == ['event_record']
    action = objects.InstanceAction.get_by_request_id(ctx, inst.uuid,
                                                      'req-1')
    [event] = objects.InstanceActionEventList.get_by_action(ctx, action.id)
    assert (event.event, event.result, event.host) == (
        'compute_x', 'Success', 'h')
    assert event.start_time <= event.finish_time


def test_slow_event_shows_in_progress(ctx, monkeypatch):
    inst = _create(ctx)
    objects.InstanceAction.action_start(ctx, inst.uuid, 'create')
    monkeypatch.setattr(instance_action.EventReporter, 'START_DELAY', 0.05)
    action = objects.InstanceAction.get_by_request_id(ctx, inst.uuid,
                                                      'req-1')
    with instance_action.EventReporter(ctx, 'compute_slow', 'h',
                                       inst.uuid) as reporter:
        deadline = time.monotonic() + 10
        while not objects.InstanceActionEventList.get_by_action(
                ctx, action.id):
            assert time.monotonic() < deadline, 'the start was not written'
            time.sleep(0.01)
        [event] = objects.InstanceActionEventList.get_by_action(ctx,
                                                                action.id)
        assert event.finish_time is None and event.result is None
        reporter.finish_action()
    [event] = objects.InstanceActionEventList.get_by_action(ctx, action.id)
    assert event.result == 'Success' and event.finish_time is not None
    assert objects.InstanceAction.get_by_request_id(
        ctx, inst.uuid, 'req-1').finish_time == event.finish_time


def test_event_ends_with_the_save_in_its_transaction(ctx, monkeypatch):
    inst = _create(ctx)
    objects.InstanceAction.action_start(ctx, inst.uuid, 'create')
    calls = _count_event_calls(monkeypatch)
    with instance_action.EventReporter(ctx, 'compute_x', 'h',
                                       inst.uuid) as reporter:
        inst.task_state = None
        event = reporter.ends_with_write(finish_action=True)
        assert event['event'] == 'compute_x'
        inst.save(expected_task_state=['scheduling'], event=event)
        reporter.written()
    assert calls == [] and reporter.ended_by_write
    action = objects.InstanceAction.get_by_request_id(ctx, inst.uuid,
                                                      'req-1')
    [event] = objects.InstanceActionEventList.get_by_action(ctx, action.id)
    assert (event.event, event.result, event.host) == (
        'compute_x', 'Success', 'h')
    assert action.finish_time == event.finish_time is not None


def test_event_ends_with_the_destroy(ctx):
    inst = _create(ctx)
    objects.InstanceAction.action_start(ctx, inst.uuid, 'delete')
    with instance_action.EventReporter(ctx, 'compute_terminate_instance',
                                       'h', inst.uuid) as reporter:
        inst.destroy(event=reporter.ends_with_write(finish_action=True))
        reporter.written()
    gone = ctx.elevated(read_deleted='yes')
    action = objects.InstanceAction.get_by_request_id(gone, inst.uuid,
                                                      'req-1')
    [event] = objects.InstanceActionEventList.get_by_action(gone, action.id)
    assert event.result == 'Success'
    assert action.finish_time == event.finish_time is not None


def test_failed_save_leaves_the_event_to_the_exit(ctx, monkeypatch):
    inst = _create(ctx)
    objects.InstanceAction.action_start(ctx, inst.uuid, 'create')
    calls = _count_event_calls(monkeypatch)
    with pytest.raises(exception.UnexpectedTaskStateError):
        with instance_action.EventReporter(ctx, 'compute_x', 'h',
                                           inst.uuid) as reporter:
            inst.task_state = None
            inst.save(expected_task_state=['spawning'],
                      event=reporter.ends_with_write(finish_action=True))
            reporter.written()
    assert calls == ['event_record'] and not reporter.ended_by_write
    action = objects.InstanceAction.get_by_request_id(ctx, inst.uuid,
                                                      'req-1')
    [event] = objects.InstanceActionEventList.get_by_action(ctx, action.id)
    assert event.result == 'Error'
    assert action.finish_time is None     # only the write would finish it


def test_started_or_shared_event_does_not_go_with_a_write(ctx, monkeypatch):
    inst, other = _create(ctx), _create(ctx, display_name='vm2')
    with instance_action.EventReporter(ctx, 'compute_x', 'h', inst.uuid,
                                       other.uuid) as reporter:
        assert reporter.ends_with_write() is None
    monkeypatch.setattr(instance_action.EventReporter, 'START_DELAY', 0)
    with instance_action.EventReporter(ctx, 'compute_x', 'h',
                                       inst.uuid) as reporter:
        assert reporter.ends_with_write() is None


def test_save_with_an_event_but_no_action_still_saves(ctx):
    inst = _create(ctx)
    inst.task_state = None
    with instance_action.EventReporter(ctx, 'compute_x', 'h',
                                       inst.uuid) as reporter:
        inst.save(event=reporter.ends_with_write())
        reporter.written()
    assert objects.Instance.get_by_uuid(ctx, inst.uuid).task_state is None


def test_timer_wakes_only_for_an_earlier_job_and_skips_cancelled_ones():
    timer = instance_action._Timer()
    ran = []
    wakes = []
    first = timer.call_later(0.2, lambda: ran.append('first'))
    real_notify = timer._cond.notify
    timer._cond.notify = lambda: (wakes.append(1), real_notify())
    later = timer.call_later(0.3, lambda: ran.append('later'))
    assert wakes == []          # due after the head: no wake-up
    timer.call_later(0.05, lambda: ran.append('soon'))
    assert wakes == [1]         # due before it: the thread must know
    timer.cancel(first)
    deadline = time.monotonic() + 5
    while len(ran) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert ran == ['soon', 'later']
    assert later[2] is not None


def test_quick_event_leaves_no_start_behind(ctx, monkeypatch):
    inst = _create(ctx)
    objects.InstanceAction.action_start(ctx, inst.uuid, 'create')
    calls = _count_event_calls(monkeypatch)
    monkeypatch.setattr(instance_action.EventReporter, 'START_DELAY', 0.1)
    with instance_action.EventReporter(ctx, 'compute_x', 'h', inst.uuid):
        pass
    time.sleep(0.3)             # past the start's time: cancelled
    assert calls == ['event_record']
