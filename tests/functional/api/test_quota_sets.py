"""/os-quota-sets, /os-quota-class-sets and /limits: limits per project,
defaults, usage, admin-only changes, 2.36 hiding the network quotas."""

import uuid

import pytest

from nimbus import context as nimbus_context
from nimbus.db import models
from nimbus.db import session
from tests.functional.api.resource_fixtures import admin  # noqa: F401
from tests.functional.api.resource_fixtures import alice  # noqa: F401
from tests.functional.api.resource_fixtures import carol  # noqa: F401
from tests.functional.api.resource_fixtures import db  # noqa: F401
from tests.functional.api.resource_fixtures import fault
from tests.functional.api.resource_fixtures import version  # noqa: F401
from tests.functional.api.schema_check import assert_matches

V = '/v2.1'


@session.writer
def _instance(context, project_id, vcpus=2, memory_mb=1024, host=None):
    row = models.Instance(uuid=str(uuid.uuid4()), project_id=project_id,
                          user_id='alice', vcpus=vcpus, memory_mb=memory_mb,
                          host=host, vm_state='active')
    context.session.add(row)
    context.session.flush()
    return row.uuid


def add_instance(project_id, **kw):
    return _instance(nimbus_context.get_admin_context(), project_id, **kw)


def test_show_defaults_detail(alice, version):  # noqa: F811
    add_instance('p1')
    resp = alice.get(V + '/os-quota-sets/p1')
    assert_matches('quotas.get_quota_set', resp)
    quota_set = resp.json_body_or_none['quota_set']
    assert quota_set['id'] == 'p1' and quota_set['instances'] == 10
    assert quota_set['injected_file_path_bytes'] == 255
    assert ('floating_ips' in quota_set) == (version == '2.1')
    resp = alice.get(V + '/os-quota-sets/p1/defaults')
    assert_matches('quotas.get_quota_set', resp)
    resp = alice.get(V + '/os-quota-sets/p1/detail')
    assert_matches('quotas.get_quota_set_details', resp)
    detail = resp.json_body_or_none['quota_set']
    assert detail['instances'] == {'limit': 10, 'in_use': 1, 'reserved': 0}
    assert detail['cores']['in_use'] == 2 and detail['ram']['in_use'] == 1024


def test_other_projects_are_forbidden(alice, carol):  # noqa: F811
    fault(carol.get(V + '/os-quota-sets/p1'), 403)
    fault(carol.get(V + '/os-quota-sets/p1/detail'), 403)
    fault(alice.put(V + '/os-quota-sets/p1',
                    body={'quota_set': {'instances': 50}}), 403)
    fault(alice.delete(V + '/os-quota-sets/p1'), 403)
    fault(alice.get(V + '/os-quota-class-sets/default'), 403)
    fault(alice.put(V + '/os-quota-class-sets/default',
                    body={'quota_class_set': {'instances': 5}}), 403)
    fault(carol.get(V + '/limits?tenant_id=p1'), 403)


def test_admin_updates_and_reverts(admin, alice, version):  # noqa: F811
    resp = admin.put(V + '/os-quota-sets/p1',
                     body={'quota_set': {'instances': 3, 'cores': '7',
                                         'ram': -1}})
    assert_matches('quotas.update_quota_set', resp)
    assert 'id' not in resp.json_body_or_none['quota_set']
    quota_set = alice.get(V + '/os-quota-sets/p1').json_body_or_none[
        'quota_set']
    assert (quota_set['instances'], quota_set['cores'],
            quota_set['ram']) == (3, 7, -1)
    resp = admin.delete(V + '/os-quota-sets/p1')
    assert_matches('quotas.delete_quota', resp)
    assert alice.get(V + '/os-quota-sets/p1').json_body_or_none[
        'quota_set']['instances'] == 10


def test_update_below_usage_needs_force(admin):  # noqa: F811
    add_instance('p1')
    add_instance('p1')
    fault(admin.put(V + '/os-quota-sets/p1',
                    body={'quota_set': {'instances': 1}}), 400)
    resp = admin.put(V + '/os-quota-sets/p1',
                     body={'quota_set': {'instances': 1, 'force': True}})
    assert resp.json_body_or_none['quota_set']['instances'] == 1


@pytest.mark.parametrize('body', [
    {}, {'quota_set': {'instances': -2}}, {'quota_set': {'instances': 'x'}},
    {'quota_set': {'instances': 1.5}}, {'quota_set': {'bogus': 1}},
    {'quota_set': {'instances': 2 ** 40}}, {'quota_set': []},
    {'quota_set': {'force': 'maybe'}}, {'quota_set': {'instances': '-5'}},
    {'quota_set': {'instances': '99999999999'}},
])
def test_update_rejects_bad_bodies(admin, body):  # noqa: F811
    fault(admin.put(V + '/os-quota-sets/p1', body=body), 400)


def test_network_quotas_not_settable_from_2_36(admin, version):  # noqa
    resp = admin.put(V + '/os-quota-sets/p1',
                     body={'quota_set': {'floating_ips': 3}})
    if version == '2.1':
        assert resp.json_body_or_none['quota_set']['floating_ips'] == 3
    else:
        fault(resp, 400)


def test_quota_class_default(admin, alice):  # noqa: F811
    resp = admin.get(V + '/os-quota-class-sets/default')
    assert_matches('quota_classes.get_quota_class_set', resp)
    assert resp.json_body_or_none['quota_class_set']['id'] == 'default'
    resp = admin.put(V + '/os-quota-class-sets/default',
                     body={'quota_class_set': {'instances': 4}})
    assert_matches('quota_classes.update_quota_class_set', resp)
    assert alice.get(V + '/os-quota-sets/p1/defaults').json_body_or_none[
        'quota_set']['instances'] == 4
    assert alice.get(V + '/os-quota-sets/p1').json_body_or_none[
        'quota_set']['instances'] == 4
    fault(admin.put(V + '/os-quota-class-sets/default',
                    body={'quota_class_set': {'instances': 'x'}}), 400)


def test_limits(alice, admin, version):  # noqa: F811
    add_instance('p1', vcpus=3, memory_mb=2048)
    resp = alice.get(V + '/limits')
    assert_matches('limits.get_limit', resp)
    limits = resp.json_body_or_none['limits']
    assert limits['rate'] == []
    absolute = limits['absolute']
    assert absolute['maxTotalInstances'] == 10
    assert absolute['totalInstancesUsed'] == 1
    assert absolute['totalCoresUsed'] == 3
    assert absolute['totalRAMUsed'] == 2048
    assert absolute['maxTotalKeypairs'] == 100
    assert ('maxTotalFloatingIps' in absolute) == (version == '2.1')
    other = admin.get(V + '/limits?tenant_id=p1')
    assert other.json_body_or_none['limits']['absolute'][
        'totalInstancesUsed'] == 1
