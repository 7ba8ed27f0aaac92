"""/flavors: listing with filters and paging, show, admin create/delete,
extra specs and access to private flavors; responses match tempest's."""

import pytest

from nimbus import context as nimbus_context
from nimbus import objects
from nimbus.objects import flavor as flavor_obj
from tests.functional.api.resource_fixtures import admin  # noqa: F401
from tests.functional.api.resource_fixtures import alice  # noqa: F401
from tests.functional.api.resource_fixtures import carol  # noqa: F401
from tests.functional.api.resource_fixtures import db  # noqa: F401
from tests.functional.api.resource_fixtures import fault
from tests.functional.api.resource_fixtures import version  # noqa: F401
from tests.functional.api.schema_check import assert_matches

V = '/v2.1'


@pytest.fixture
def defaults(db):  # noqa: F811
    return flavor_obj.create_default_flavors(
        nimbus_context.get_admin_context())


def ids(resp):
    return [f['id'] for f in resp.json_body_or_none['flavors']]


def _create(client, **flavor):
    body = dict({'name': 'f1', 'ram': 256, 'vcpus': 1, 'disk': 1}, **flavor)
    return client.post(V + '/flavors', body={'flavor': body})


def test_default_flavors_are_novas_and_idempotent(defaults):
    assert [f.name for f in defaults] == ['m1.tiny', 'm1.small',
                                          'm1.medium', 'm1.large',
                                          'm1.xlarge']
    tiny = objects.Flavor.get_by_flavor_id(
        nimbus_context.get_admin_context(), '1')
    assert (tiny.memory_mb, tiny.vcpus, tiny.root_gb) == (512, 1, 1)
    assert flavor_obj.create_default_flavors(
        nimbus_context.get_admin_context()) == []


def test_list_detail_show(alice, defaults):  # noqa: F811
    resp = alice.get(V + '/flavors')
    assert_matches('flavors.list_flavors', resp)
    assert [f['id'] for f in resp.json_body_or_none['flavors']] == [
        '1', '2', '3', '4', '5']
    resp = alice.get(V + '/flavors/detail')
    assert_matches('flavors.list_flavors_details', resp)
    tiny = resp.json_body_or_none['flavors'][0]
    assert tiny['ram'] == 512 and tiny['disk'] == 1 and tiny['swap'] == ''
    assert tiny['links'][0]['href'].endswith('/v2.1/flavors/1')
    resp = alice.get(V + '/flavors/2')
    assert_matches('flavors.create_update_get_flavor_details', resp)
    assert resp.json_body_or_none['flavor']['name'] == 'm1.small'
    resp = alice.get(V + '/p1/flavors/2')
    assert resp.json_body_or_none['flavor']['links'][1]['href'].endswith(
        '/p1/flavors/2')
    fault(alice.get(V + '/flavors/nope'), 404)


def test_filters_sorting_and_paging(alice, defaults):  # noqa: F811
    assert ids(alice.get(V + '/flavors?minRam=4096')) == ['3', '4', '5']
    assert ids(alice.get(V + '/flavors/detail?minDisk=80')) == ['4', '5']
    assert ids(alice.get(V + '/flavors?sort_key=memory_mb&sort_dir=desc')
               ) == ['5', '4', '3', '2', '1']
    resp = alice.get(V + '/flavors?limit=2')
    assert ids(resp) == ['1', '2']
    assert_matches('flavors.list_flavors', resp)
    next_href = resp.json_body_or_none['flavors_links'][0]['href']
    assert 'marker=2' in next_href
    assert ids(alice.get(V + '/flavors?limit=2&marker=2')) == ['3', '4']
    for query in ('minRam=x', 'minDisk=-1', 'limit=-1', 'limit=a',
                  'minRam=99999999999999999999',
                  'marker=missing', 'sort_key=bogus', 'sort_dir=up'):
        fault(alice.get(V + '/flavors?' + query), 400)


def test_admin_creates_and_deletes(admin, alice):  # noqa: F811
    resp = _create(admin, id=10, swap=512, rxtx_factor=2.0,
                   **{'OS-FLV-EXT-DATA:ephemeral': 5})
    assert_matches('flavors.create_update_get_flavor_details', resp)
    flavor = resp.json_body_or_none['flavor']
    assert flavor['id'] == '10' and flavor['swap'] == 512
    assert flavor['OS-FLV-EXT-DATA:ephemeral'] == 5
    assert flavor['os-flavor-access:is_public'] is True
    fault(_create(admin, id=11), 409)          # same name
    fault(_create(admin, name='other', id='10'), 409)
    resp = _create(admin, name='auto', ram='128', vcpus='2', disk='0')
    assert len(resp.json_body_or_none['flavor']['id']) == 36
    resp = admin.delete(V + '/flavors/10')
    assert_matches('flavors.delete_flavor', resp)
    fault(alice.get(V + '/flavors/10'), 404)
    fault(admin.delete(V + '/flavors/10'), 404)
    assert _create(admin, id=10).status_int == 200   # name and id free again


@pytest.mark.parametrize('body', [
    {},
    {'flavor': {'name': 'x', 'ram': 1, 'vcpus': 1}},
    {'flavor': {'name': 'x', 'ram': 0, 'vcpus': 1, 'disk': 1}},
    {'flavor': {'name': 'x', 'ram': '0', 'vcpus': 1, 'disk': 1}},
    {'flavor': {'name': 'x', 'ram': -1, 'vcpus': 1, 'disk': 1}},
    {'flavor': {'name': 'x', 'ram': 'abc', 'vcpus': 1, 'disk': 1}},
    {'flavor': {'name': 'x', 'ram': 1.5, 'vcpus': 1, 'disk': 1}},
    {'flavor': {'name': 'x', 'ram': 1, 'vcpus': 1, 'disk': 1,
                'rxtx_factor': 0}},
    {'flavor': {'name': ' x', 'ram': 1, 'vcpus': 1, 'disk': 1}},
    {'flavor': {'name': '', 'ram': 1, 'vcpus': 1, 'disk': 1}},
    {'flavor': {'name': 'x', 'ram': 1, 'vcpus': 1, 'disk': 1,
                'id': 'bad/id'}},
    {'flavor': {'name': 'x', 'ram': 1, 'vcpus': 1, 'disk': 1,
                'extra': 1}},
    {'flavor': {'name': 'x', 'ram': 2 ** 40, 'vcpus': 1, 'disk': 1}},
    {'flavor': []},
    [],
    'not json',
])
def test_create_rejects_bad_bodies(admin, body):  # noqa: F811
    if body == 'not json':
        resp = admin.post(V + '/flavors', body=b'{not json')
    else:
        resp = admin.post(V + '/flavors', body=body)
    fault(resp, 400)


def test_non_admin_cannot_manage(alice, defaults):  # noqa: F811
    fault(_create(alice), 403)
    fault(alice.delete(V + '/flavors/1'), 403)
    fault(alice.post(V + '/flavors/1/os-extra_specs',
                     body={'extra_specs': {'a': 'b'}}), 403)
    fault(alice.get(V + '/flavors/1/os-flavor-access'), 403)
    fault(alice.post(V + '/flavors/1/action',
                     body={'addTenantAccess': {'tenant': 'p1'}}), 403)


def test_extra_specs(admin, alice, defaults):  # noqa: F811
    url = V + '/flavors/1/os-extra_specs'
    resp = admin.post(url, body={'extra_specs': {'hw:cpu_policy': 'shared',
                                                 'quota:disk': 10,
                                                 'flag': True}})
    assert_matches('flavors_extra_specs.set_get_flavor_extra_specs', resp)
    assert resp.json_body_or_none['extra_specs']['quota:disk'] == '10'
    resp = alice.get(url)
    assert_matches('flavors_extra_specs.set_get_flavor_extra_specs', resp)
    assert resp.json_body_or_none['extra_specs'] == {
        'hw:cpu_policy': 'shared', 'quota:disk': '10', 'flag': 'true'}
    resp = alice.get(url + '/hw:cpu_policy')
    assert_matches('flavors_extra_specs.set_get_flavor_extra_specs_key',
                   resp)
    assert resp.json_body_or_none == {'hw:cpu_policy': 'shared'}
    resp = admin.put(url + '/hw:cpu_policy',
                     body={'hw:cpu_policy': 'dedicated'})
    assert_matches('flavors_extra_specs.set_get_flavor_extra_specs_key',
                   resp)
    assert alice.get(url + '/hw:cpu_policy').json_body_or_none == {
        'hw:cpu_policy': 'dedicated'}
    fault(admin.put(url + '/hw:cpu_policy', body={'other': 'x'}), 400)
    fault(admin.put(url + '/a', body={'a': 'x', 'b': 'y'}), 400)
    fault(admin.post(url, body={'extra_specs': {'bad/key': 'x'}}), 400)
    fault(admin.post(url, body={'extra_specs': {'k': 'x' * 256}}), 400)
    fault(admin.post(url, body={'specs': {}}), 400)
    resp = admin.delete(url + '/hw:cpu_policy')
    assert_matches('flavors_extra_specs.unset_flavor_extra_specs', resp)
    fault(admin.delete(url + '/hw:cpu_policy'), 404)
    fault(alice.get(url + '/hw:cpu_policy'), 404)
    fault(alice.get(V + '/flavors/nope/os-extra_specs'), 404)


def test_private_flavor_access(admin, alice, carol):  # noqa: F811
    _create(admin, name='private', id='p',
            **{'os-flavor-access:is_public': False})
    fault(alice.get(V + '/flavors/p'), 404)
    assert 'p' not in [f['id'] for f in alice.get(
        V + '/flavors').json_body_or_none['flavors']]
    resp = admin.get(V + '/flavors/p/os-flavor-access')
    assert_matches('flavors_access.add_remove_list_flavor_access', resp)
    assert resp.json_body_or_none == {'flavor_access': []}
    resp = admin.post(V + '/flavors/p/action',
                      body={'addTenantAccess': {'tenant': 'p1'}})
    assert_matches('flavors_access.add_remove_list_flavor_access', resp)
    assert resp.json_body_or_none['flavor_access'] == [
        {'flavor_id': 'p', 'tenant_id': 'p1'}]
    fault(admin.post(V + '/flavors/p/action',
                     body={'addTenantAccess': {'tenant': 'p1'}}), 409)
    assert alice.get(V + '/flavors/p').status_int == 200
    assert 'p' in [f['id'] for f in alice.get(
        V + '/flavors').json_body_or_none['flavors']]
    fault(carol.get(V + '/flavors/p'), 404)
    # Administrators list private flavors with is_public=false or None.
    assert 'p' not in ids(admin.get(V + '/flavors'))
    assert ids(admin.get(V + '/flavors?is_public=false')) == ['p']
    assert 'p' in ids(admin.get(V + '/flavors/detail?is_public=None'))
    fault(admin.get(V + '/flavors?is_public=maybe'), 400)
    resp = admin.post(V + '/flavors/p/action',
                      body={'removeTenantAccess': {'tenant': 'p1'}})
    assert resp.json_body_or_none == {'flavor_access': []}
    fault(admin.post(V + '/flavors/p/action',
                     body={'removeTenantAccess': {'tenant': 'p1'}}), 404)
    fault(alice.get(V + '/flavors/p'), 404)
    fault(admin.post(V + '/flavors/p/action', body={'bogus': {}}), 400)
    fault(admin.post(V + '/flavors/p/action',
                     body={'addTenantAccess': {}}), 400)
    fault(admin.post(V + '/flavors/nope/action',
                     body={'addTenantAccess': {'tenant': 'x'}}), 404)


def test_access_to_public_flavor(admin, defaults, version):  # noqa: F811
    fault(admin.get(V + '/flavors/1/os-flavor-access'), 404)
    resp = admin.post(V + '/flavors/1/action',
                      body={'addTenantAccess': {'tenant': 'p1'}})
    if version == '2.1':
        assert resp.status_int == 200
    else:
        fault(resp, 409)


def test_flavor_object_save_tracks_specs_and_projects(db):  # noqa: F811
    ctx = nimbus_context.get_admin_context()
    flavor = objects.Flavor(ctx, name='obj', memory_mb=64, vcpus=1,
                            root_gb=0, is_public=False,
                            extra_specs={'a': '1'}, projects=['p9'])
    flavor.create()
    assert len(flavor.flavorid) == 36
    flavor.extra_specs['b'] = '2'
    del flavor.extra_specs['a']
    flavor.projects.append('p8')
    flavor.vcpus = 4
    flavor.save()
    again = objects.Flavor.get_by_name(ctx, 'obj')
    assert again.extra_specs == {'b': '2'}
    assert sorted(again.projects) == ['p8', 'p9']
    assert again.vcpus == 4
    assert objects.Flavor.get_by_id(ctx, again.id).flavorid == (
        flavor.flavorid)
    assert [f.name for f in objects.FlavorList.get_all(
        ctx, filters={'is_public': False})] == ['obj']
    again.destroy()
    assert [f.name for f in objects.FlavorList.get_all(
        ctx, inactive=True, filters={'is_public': None})] == ['obj']
