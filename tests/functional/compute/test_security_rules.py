"""The security rules of a build: read by the conductor and sent with the
build (no conductor call from the compute host), unless a refresh of the
instance reached the host since -- during the build, or even before its
cast -- or the host is capped below 1.5; then the host asks for them.
Every object call of nimbus-compute goes to the conductor over RPC."""

import threading

import pytest

from nimbus.compute import rpcapi as compute_rpcapi
from nimbus.conductor import rpcapi as conductor_rpcapi
from nimbus.db.api import security_group as sg_db
from nimbus.network import security_groups
from nimbus.virt import fake

SSH = {'protocol': 'tcp', 'from_port': 22, 'to_port': 22,
       'cidr': '0.0.0.0/0'}
HTTP = {'protocol': 'tcp', 'from_port': 80, 'to_port': 80,
        'cidr': '192.0.2.0/24'}


@pytest.fixture
def cloud_rpc(compute_via_conductor, cloud, monkeypatch):
    """The cloud, with ``rules_calls``: the hosts' conductor calls for
    InstanceSecurityRules, and ``at_spawn``: each spawned instance's
    filter when its guest started."""
    cloud.rules_calls = []
    real_call = conductor_rpcapi.ConductorAPI.object_class_action_versions

    def object_class_action_versions(self, context, objname, objmethod,
                                     *args, **kwargs):
        if objname == 'InstanceSecurityRules':
            cloud.rules_calls.append(objmethod)
        return real_call(self, context, objname, objmethod, *args,
                         **kwargs)
    monkeypatch.setattr(conductor_rpcapi.ConductorAPI,
                        'object_class_action_versions',
                        object_class_action_versions)
    cloud.at_spawn = {}
    real_spawn = fake.FakeDriver.spawn

    def spawn(driver, context, instance, *args, **kwargs):
        cloud.at_spawn[instance.uuid] = sorted(
            cloud.manager(instance.host).firewall.filters[instance.uuid],
            key=lambda rule: rule['from_port'])
        return real_spawn(driver, context, instance, *args, **kwargs)
    monkeypatch.setattr(fake.FakeDriver, 'spawn', spawn)
    return cloud


def _web_group(ctx):
    group = security_groups.create_group(ctx, 'web', 'web servers')
    security_groups.create_rule(ctx, group['id'], ip_protocol='tcp',
                                from_port=22, to_port=22,
                                cidr='0.0.0.0/0')
    return group


def _add_http(ctx, group):
    # Through the API's code: committed, then a refresh is cast to the
    # host the database names.
    security_groups.create_rule(ctx, group['id'], ip_protocol='tcp',
                                from_port=80, to_port=80,
                                cidr='192.0.2.0/24')


def test_the_build_applies_the_rules_the_conductor_sent(cloud_rpc):
    cloud = cloud_rpc
    ctx = cloud.context()
    _web_group(ctx)
    [inst] = cloud.boot(ctx, security_groups=['web'])
    inst = cloud.wait_for(inst.uuid, 'active', None)
    assert cloud.at_spawn == {inst.uuid: [SSH]}
    assert cloud.rules_calls == []
    assert not cloud.manager(inst.host).refreshes.pending(inst.uuid)


def test_a_refresh_during_the_build_makes_it_read_fresh_rules(
        cloud_rpc, monkeypatch):
    cloud = cloud_rpc
    ctx = cloud.context()
    group = _web_group(ctx)
    in_network, go_on = threading.Event(), threading.Event()
    allocate = cloud.network.allocate_for_instance

    def slow_allocate(*args, **kwargs):
        in_network.set()
        assert go_on.wait(10)
        return allocate(*args, **kwargs)
    monkeypatch.setattr(cloud.network, 'allocate_for_instance',
                        slow_allocate)
    [inst] = cloud.boot(ctx, security_groups=['web'])
    assert in_network.wait(10)
    host = cloud.get(inst.uuid).host
    # The conductor read [SSH]; the rule added now is announced to the
    # host, whose refresh waits for the build's lock.
    _add_http(ctx, group)
    refreshes = cloud.manager(host).refreshes
    for _ in range(500):
        if refreshes.pending(inst.uuid):
            break
        threading.Event().wait(0.01)
    assert refreshes.pending(inst.uuid)
    go_on.set()
    cloud.wait_for(inst.uuid, 'active', None)
    assert cloud.at_spawn == {inst.uuid: [SSH, HTTP]}
    # The build's read; the refresh's own once the build let it in.
    for _ in range(500):
        if len(cloud.rules_calls) == 2:
            break
        threading.Event().wait(0.01)
    assert cloud.rules_calls == ['get_by_instance'] * 2
    assert cloud.manager(host).firewall.filters[inst.uuid] == [SSH, HTTP]
    assert not refreshes.pending(inst.uuid)


def test_a_refresh_before_the_build_cast_makes_it_read_fresh_rules(
        cloud_rpc, monkeypatch):
    cloud = cloud_rpc
    ctx = cloud.context()
    group = _web_group(ctx)
    real_cast = compute_rpcapi.ComputeAPI.build_and_run_instance

    def refresh_first(self, context, instance, host, **kwargs):
        # The rules are read ([SSH]); a rule is added and its refresh
        # reaches the host before the build does.
        assert kwargs['security_rules'] == [SSH]
        sg_db.security_group_rule_create(ctx.elevated(), {
            'parent_group_id': group['id'], 'protocol': 'tcp',
            'from_port': 80, 'to_port': 80, 'cidr': '192.0.2.0/24'})
        manager = cloud.manager(host)
        refresh = threading.Thread(
            target=manager.refresh_instance_security_rules,
            args=(cloud.admin, instance.uuid))
        refresh.start()
        refresh.join(10)
        # Not filtered yet, but building here: the note stays.
        assert instance.uuid not in manager.firewall.filters
        assert manager.refreshes.pending(instance.uuid)
        return real_cast(self, context, instance, host, **kwargs)
    monkeypatch.setattr(compute_rpcapi.ComputeAPI, 'build_and_run_instance',
                        refresh_first)
    [inst] = cloud.boot(ctx, security_groups=['web'])
    inst = cloud.wait_for(inst.uuid, 'active', None)
    assert cloud.at_spawn == {inst.uuid: [SSH, HTTP]}
    assert cloud.rules_calls == ['get_by_instance']
    assert not cloud.manager(inst.host).refreshes.pending(inst.uuid)


def test_a_refresh_of_an_instance_built_elsewhere_is_forgotten(cloud_rpc):
    cloud = cloud_rpc
    ctx = cloud.context()
    _web_group(ctx)
    [inst] = cloud.boot(ctx, security_groups=['web'])
    inst = cloud.wait_for(inst.uuid, 'active', None)
    other = cloud.manager('host1' if inst.host == 'host2' else 'host2')
    other.refresh_instance_security_rules(cloud.admin, inst.uuid)
    assert not other.refreshes.pending(inst.uuid)
    assert inst.uuid not in other.firewall.filters


def test_a_host_capped_below_1_5_reads_the_rules_itself(cloud_rpc, conf):
    conf.config(compute='1.4', group='upgrade_levels')
    cloud = cloud_rpc
    ctx = cloud.context()
    _web_group(ctx)
    [inst] = cloud.boot(ctx, security_groups=['web'])
    inst = cloud.wait_for(inst.uuid, 'active', None)
    assert cloud.at_spawn == {inst.uuid: [SSH]}
    assert cloud.rules_calls == ['get_by_instance']
