"""Resize (same host and across hosts, confirm and revert) and listing
with filters and project isolation."""

import pytest

from nimbus import exception
from nimbus import objects


def _boot(cloud, ctx, **kwargs):
    [inst] = cloud.boot(ctx, **kwargs)
    return cloud.wait_for(inst.uuid, 'active', None)


def test_resize_on_the_same_host_then_confirm(cloud, conf):
    conf.config(allow_resize_to_same_host=True)
    cloud.scheduler.disabled.add('host2')
    ctx = cloud.context()
    inst = _boot(cloud, ctx)
    cloud.api.resize(ctx, cloud.api.get(ctx, inst.uuid), '2')
    resized = cloud.wait_for(inst.uuid, 'resized', None)
    assert resized.host == 'host1'
    assert (resized.flavor.flavorid, resized.memory_mb, resized.vcpus) == (
        '2', 1024, 2)
    assert cloud.driver('host1').instances[inst.uuid].memory_mb == 1024
    cloud.api.confirm_resize(ctx, cloud.api.get(ctx, inst.uuid))
    done = cloud.wait_for(inst.uuid, 'active', None)
    assert done.get_flavor('old_') is None and done.flavor.name == \
        'm1.medium'
    [migration] = objects.MigrationList.get_by_instance(cloud.admin,
                                                        inst.uuid)
    assert migration.status == 'confirmed'
    cloud.wait_for_node('host1', memory_mb_used=1024)


def test_resize_to_another_host_then_revert(cloud):
    ctx = cloud.context()
    inst = _boot(cloud, ctx)
    source = inst.host
    cloud.api.resize(ctx, cloud.api.get(ctx, inst.uuid), '2')
    resized = cloud.wait_for(inst.uuid, 'resized', None)
    assert resized.host != source
    cloud.api.revert_resize(ctx, cloud.api.get(ctx, inst.uuid))
    back = cloud.wait_for(inst.uuid, 'active', None)
    assert (back.host, back.flavor.flavorid, back.memory_mb) == (
        source, '1', 512)
    assert inst.uuid not in cloud.driver(resized.host).instances
    assert cloud.driver(source).instances[inst.uuid].memory_mb == 512


def test_resize_refusals(cloud):
    ctx = cloud.context()
    inst = _boot(cloud, ctx, flavor='2')
    with pytest.raises(exception.ResizeToSameFlavor):
        cloud.api.resize(ctx, cloud.api.get(ctx, inst.uuid), '2')
    with pytest.raises(exception.CannotResizeDisk):
        cloud.api.resize(ctx, cloud.api.get(ctx, inst.uuid), '1')
    assert cloud.get(inst.uuid).task_state is None


def test_resize_with_no_destination_goes_back_with_a_fault(cloud):
    cloud.scheduler.disabled.add('host2')
    ctx = cloud.context()
    inst = _boot(cloud, ctx)
    cloud.api.resize(ctx, cloud.api.get(ctx, inst.uuid), '2')
    back = cloud.wait_for(inst.uuid, 'active', None,
                          expected_attrs=['fault'])
    assert 'No valid host' in back.fault.message
    assert back.flavor.flavorid == '1' and back.get_flavor('new_') is None


def test_list_filters_and_project_isolation(cloud):
    alice, bob = cloud.context(), cloud.context('other', 'bob')
    web = _boot(cloud, alice, name='web')
    db = _boot(cloud, alice, name='db', flavor='2')
    theirs = _boot(cloud, bob, name='web')
    cloud.api.stop(alice, cloud.api.get(alice, db.uuid))
    cloud.wait_for(db.uuid, 'stopped', None)

    def names(ctx, **opts):
        return sorted(i.display_name for i in cloud.api.get_all(ctx, opts))

    assert names(alice) == ['db', 'web']
    assert names(alice, name='^w') == ['web']
    assert names(alice, status='SHUTOFF') == ['db']
    assert names(alice, status='ACTIVE') == ['web']
    assert names(alice, status='BOGUS') == []
    ip = cloud.network.allocated[web.uuid]
    assert names(alice, ip=ip.replace('.', r'\.') + '$') == ['web']
    assert names(bob) == ['web']
    with pytest.raises(exception.InstanceNotFound):
        cloud.api.get(alice, theirs.uuid)
    admin = cloud.context('admin', 'root', is_admin=True)
    assert names(admin) == []
    assert names(admin, all_tenants=True) == ['db', 'web', 'web']
    page = cloud.api.get_all(alice, {}, limit=1)
    rest = cloud.api.get_all(alice, {}, marker=page[0].uuid)
    assert len(page) == 1 and len(rest) == 1
    with pytest.raises(exception.MarkerNotFound):
        cloud.api.get_all(alice, {}, marker='not-there')
