"""The conductor's build task: scheduling, retries, NoValidHost, the
security rules sent with the build."""

import pytest

from nimbus.conductor.tasks import build
from nimbus import context as nimbus_context
from nimbus.db.api import security_group as sg_db
from nimbus.db import migration
from nimbus import exception
from nimbus import objects

NoValidHost = getattr(exception, 'NoValidHost', None)
if NoValidHost is None:  # until the scheduler's exception lands
    class NoValidHost(exception.NimbusException):
        msg_fmt = 'No valid host was found. %(reason)s'


class Recorder:
    def __init__(self, answer=None, error=None, version_cap=None):
        self.answer, self.error, self.calls = answer, error, []
        self.version_cap = version_cap

    def can_send_version(self, version):
        return self.version_cap is None or version <= self.version_cap

    def select_destinations(self, context, request_spec, filter_properties):
        self.calls.append((request_spec, filter_properties))
        if self.error:
            raise self.error
        return self.answer

    def build_and_run_instance(self, context, instance, host, **kwargs):
        self.calls.append((instance.uuid, host, kwargs))


@pytest.fixture
def ctx(conf):
    migration.db_sync()
    return nimbus_context.RequestContext(user_id='u', project_id='p',
                                         request_id='req-b')


def _instances(ctx, count=2):
    result = []
    for _ in range(count):
        inst = objects.Instance(ctx, project_id='p', user_id='u',
                                vm_state='building',
                                task_state='scheduling')
        inst.create()
        objects.InstanceAction.action_start(ctx, inst.uuid, 'create')
        result.append(inst)
    return result


def _run(ctx, instances, scheduler, compute, filter_properties=None):
    build.BuildTask(ctx, instances, {'id': 'img'},
                    {'flavor': {'memory_mb': 1}}, filter_properties or {},
                    scheduler_api=scheduler, compute_api=compute).execute()


def test_each_instance_is_cast_to_its_host_with_retry_bookkeeping(ctx):
    instances = _instances(ctx)
    scheduler = Recorder([{'host': 'a', 'nodename': 'a', 'limits': {}},
                          {'host': 'b', 'nodename': 'b', 'limits': {}}])
    compute = Recorder()
    _run(ctx, instances, scheduler, compute)
    spec, props = scheduler.calls[0]
    assert spec['num_instances'] == 2
    assert props['retry'] == {'num_attempts': 1, 'hosts': []}
    assert [(uuid, host) for uuid, host, _ in compute.calls] == [
        (instances[0].uuid, 'a'), (instances[1].uuid, 'b')]
    assert compute.calls[1][2]['filter_properties']['retry']['hosts'] == [
        ['b', 'b']]


def test_no_valid_host_sets_every_instance_to_error_with_a_fault(ctx):
    instances = _instances(ctx)
    _run(ctx, instances, Recorder(error=NoValidHost(reason='no RAM')),
         Recorder())
    for inst in instances:
        got = objects.Instance.get_by_uuid(ctx, inst.uuid,
                                           expected_attrs=['fault'])
        assert (got.vm_state, got.task_state) == ('error', None)
        assert 'no RAM' in got.fault.message


def test_retries_are_bounded(ctx, conf):
    conf.config(scheduler_max_attempts=2)
    [inst] = _instances(ctx, 1)
    scheduler = Recorder([{'host': 'a', 'nodename': 'a'}])
    _run(ctx, [inst], scheduler, Recorder(),
         {'retry': {'num_attempts': 2, 'hosts': [['a', 'a'], ['b', 'b']],
                    'exc': 'spawn failed'}})
    assert scheduler.calls == []
    got = objects.Instance.get_by_uuid(ctx, inst.uuid,
                                       expected_attrs=['fault'])
    assert got.vm_state == 'error'
    assert 'Exceeded maximum number of retries' in got.fault.message
    assert 'spawn failed' in got.fault.message


def test_an_instance_deleted_while_scheduling_is_not_built(ctx):
    [inst] = _instances(ctx, 1)
    objects.Instance.get_by_uuid(ctx, inst.uuid).destroy()
    compute = Recorder()
    _run(ctx, [inst], Recorder([{'host': 'a', 'nodename': 'a'}]), compute)
    assert compute.calls == []


def _in_group_with_ssh(ctx, inst):
    group = sg_db.security_group_create(ctx, {
        'name': 'web', 'description': 'd', 'project_id': 'p',
        'user_id': 'u'})
    sg_db.security_group_rule_create(ctx, {
        'parent_group_id': group['id'], 'protocol': 'tcp', 'from_port': 22,
        'to_port': 22, 'cidr': '0.0.0.0/0'})
    sg_db.security_group_add_instance(ctx, group['id'], inst.uuid)


def test_the_rules_go_with_the_build_read_after_the_host_is_saved(
        ctx, monkeypatch):
    [inst] = _instances(ctx, 1)
    _in_group_with_ssh(ctx, inst)
    hosts_at_read = []
    real = objects.InstanceSecurityRules.get_by_instance

    def get_by_instance(context, instance_uuid):
        # The ordering the refreshes rely on: host saved, then read.
        hosts_at_read.append(objects.Instance.get_by_uuid(
            ctx, instance_uuid).host)
        return real(context, instance_uuid)
    monkeypatch.setattr(objects.InstanceSecurityRules, 'get_by_instance',
                        get_by_instance)
    compute = Recorder()
    _run(ctx, [inst], Recorder([{'host': 'a', 'nodename': 'a'}]), compute)
    assert hosts_at_read == ['a']
    [(_, _, kwargs)] = compute.calls
    assert kwargs['security_rules'] == [
        {'protocol': 'tcp', 'from_port': 22, 'to_port': 22,
         'cidr': '0.0.0.0/0'}]


def test_no_rules_read_for_a_host_capped_below_them(ctx, monkeypatch):
    [inst] = _instances(ctx, 1)
    monkeypatch.setattr(objects.InstanceSecurityRules, 'get_by_instance',
                        pytest.fail)
    compute = Recorder(version_cap='1.4')
    _run(ctx, [inst], Recorder([{'host': 'a', 'nodename': 'a'}]), compute)
    [(_, _, kwargs)] = compute.calls
    assert kwargs['security_rules'] is None
