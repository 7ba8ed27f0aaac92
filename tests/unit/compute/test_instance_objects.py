"""Instance objects over SQLite: create, load, compare-and-swap save,
filters, actions, faults, destroy."""

import pytest
from nimbus import context as ctxmod, objects, exception
from nimbus.db import migration

def test_instance_lifecycle_in_the_database(conf):
    migration.db_sync()
    ctx = ctxmod.RequestContext(user_id='u', project_id='p', request_id='req-1')
    inst = objects.Instance(ctx, display_name='vm1', project_id='p', user_id='u',
                            vm_state='building', task_state='scheduling', memory_mb=512,
                            metadata={'a': 'b'}, security_groups=['default'])
    inst.set_flavor({'id': 1, 'name': 'm1.tiny', 'flavorid': '1', 'memory_mb': 512, 'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {'x': 'y'}})
    inst.create()
    assert inst.id and inst.uuid
    got = objects.Instance.get_by_uuid(ctx, inst.uuid, expected_attrs=['metadata', 'info_cache', 'fault', 'security_groups'])
    assert got.flavor.name == 'm1.tiny' and got.flavor.ram == 512 and got.flavor.extra_specs == {'x': 'y'}
    assert got.metadata == {'a': 'b'} and got.security_groups == ['default'] and got.fault is None
    assert got.info_cache.network_info == []
    got.task_state = None
    got.save(expected_task_state=['scheduling'])
    inst.task_state = 'x'
    with pytest.raises(exception.UnexpectedTaskStateError):
        inst.save(expected_task_state=['scheduling'])
    got.metadata['c'] = 'd'
    got.save()
    assert objects.Instance.get_by_uuid(ctx, inst.uuid).metadata == {'a': 'b', 'c': 'd'}
    lst = objects.InstanceList.get_by_filters(ctx, {'project_id': 'p', 'name': 'vm.*', 'status': 'BUILD'})
    assert len(lst) == 1
    assert len(objects.InstanceList.get_by_filters(ctx, {'status': 'ACTIVE'})) == 0
    objects.InstanceAction.action_start(ctx, inst.uuid, 'create')
    with objects.instance_action.EventReporter(ctx, 'ev', 'h', inst.uuid):
        pass
    assert objects.InstanceActionEventList.get_by_action(ctx, objects.InstanceActionList.get_by_instance_uuid(ctx, inst.uuid)[0].id)[0].result == 'Success'
    objects.InstanceFault(ctx, instance_uuid=inst.uuid, code=500, message='boom').create()
    assert objects.Instance.get_by_uuid(ctx, inst.uuid).fault.message == 'boom'
    got.destroy()
    with pytest.raises(exception.InstanceNotFound):
        objects.Instance.get_by_uuid(ctx, inst.uuid)
