"""/os-floating-ips, /os-floating-ip-pools and addFloatingIp /
removeFloatingIp end to end in one process, checked against tempest's
schemas; project isolation, quota, the 2.36 deprecation, bad input."""

import pytest

from nimbus import context as nimbus_context
from nimbus.network import floating_ips
from tests.functional.api.conftest import Client
from tests.functional.api.resource_fixtures import fault
from tests.functional.api.schema_check import assert_matches
from tests.functional.cloud import cloud  # noqa: F401
from tests.functional.cloud import glance  # noqa: F401
from tests.functional.cloud import image_db  # noqa: F401
from tests.functional.cloud import image_server  # noqa: F401

FIP = '/v2.1/os-floating-ips'


def _version(v):
    return {'X-OpenStack-Nova-API-Version': v}


@pytest.fixture
def fcloud(cloud):  # noqa: F811
    floating_ips.create_range('172.24.4.0/29', pool='public',
                              interface='eth1',
                              context=nimbus_context.get_admin_context())
    return cloud


def _network_driver(cloud):
    for svc in cloud.launcher.services:
        if getattr(svc, 'topic', None) == 'network':
            return svc.manager.driver
    raise AssertionError('no network service')


def test_allocate_list_show_release(fcloud):
    api = fcloud.api
    resp = api.get('/v2.1/os-floating-ip-pools')
    assert resp.status_int == 200
    assert resp.json_body_or_none == {'floating_ip_pools': [
        {'name': 'public'}]}

    resp = api.post(FIP, body={'pool': 'public'})
    assert_matches('floating_ips.create_get_floating_ip', resp)
    floating = resp.json_body_or_none['floating_ip']
    assert floating['ip'] == '172.24.4.1' and floating['pool'] == 'public'
    assert floating['fixed_ip'] is None and floating['instance_id'] is None

    resp = api.get(FIP)
    assert_matches('floating_ips.list_floating_ips', resp)
    assert [f['ip'] for f in resp.json_body_or_none['floating_ips']] == [
        '172.24.4.1']
    resp = api.get('%s/%s' % (FIP, floating['id']))
    assert_matches('floating_ips.create_get_floating_ip', resp)

    # Another project sees nothing of it.
    other = Client(fcloud.app, token='eve:other')
    assert other.get(FIP).json_body_or_none == {'floating_ips': []}
    fault(other.get('%s/%s' % (FIP, floating['id'])), 404)
    fault(other.delete('%s/%s' % (FIP, floating['id'])), 404)

    resp = api.delete('%s/%s' % (FIP, floating['id']))
    assert resp.status_int == 202 and not resp.body
    fault(api.get('%s/%s' % (FIP, floating['id'])), 404)
    fault(api.delete('%s/%s' % (FIP, floating['id'])), 404)
    assert api.get(FIP).json_body_or_none == {'floating_ips': []}


def test_no_body_takes_the_default_pool(fcloud, conf):
    conf.config(default_floating_pool='public')
    resp = fcloud.api.post(FIP)
    assert_matches('floating_ips.create_get_floating_ip', resp)
    fault(fcloud.api.post(FIP, body={'pool': 'nope'}), 404)


def test_quota_and_exhaustion(fcloud):
    from nimbus import quota
    quota.QUOTAS.update_project_quota(nimbus_context.get_admin_context(),
                                      'demo', 'floating_ips', 1)
    assert fcloud.api.post(FIP, body={'pool': 'public'}).status_int == 200
    fault(fcloud.api.post(FIP, body={'pool': 'public'}), 403)
    admin = fcloud.admin_api
    for _ in range(5):
        assert admin.post(FIP, body={'pool': 'public'}).status_int == 200
    fault(admin.post(FIP, body={'pool': 'public'}), 404)


def test_proxies_are_gone_after_2_35(fcloud):
    for path in (FIP, FIP + '/1', '/v2.1/os-floating-ip-pools'):
        fault(fcloud.api.get(path, headers=_version('2.36')), 404)
        assert fcloud.api.get(path, headers=_version('2.35')).status_int in (
            200, 404)
    fault(fcloud.api.post(FIP, body={'pool': 'public'},
                          headers=_version('2.36')), 404)
    assert fcloud.api.get(FIP, headers=_version('2.35')).status_int == 200


@pytest.mark.parametrize('body', [
    {'pool': 1}, {'pool': 'public', 'extra': 1}, [1], 'x',
])
def test_bad_allocate_bodies_are_400(fcloud, body):
    fault(fcloud.api.post(FIP, body=body), 400)


def test_add_and_remove_floating_ip_on_a_server(fcloud):
    api = fcloud.api
    server_id = fcloud.boot('web')
    server = fcloud.wait_for_status(server_id, ('ACTIVE',))
    fixed = server['addresses']['private'][0]['addr']
    address = api.post(FIP, body={'pool': 'public'}).json_body_or_none[
        'floating_ip']['ip']
    action = '/v2.1/servers/%s/action' % server_id

    resp = api.post(action, body={'addFloatingIp': {'address': address}})
    assert_matches('floating_ips.add_remove_floating_ip', resp)
    driver = _network_driver(fcloud)
    assert ('ensure_floating_ip', address, fixed, 'eth1') in driver.calls
    resp = api.get('/v2.1/servers/%s' % server_id)
    entries = resp.json_body_or_none['server']['addresses']['private']
    assert [(e['addr'], e['OS-EXT-IPS:type']) for e in entries] == [
        (fixed, 'fixed'), (address, 'floating')]
    shown = [f for f in api.get(FIP).json_body_or_none['floating_ips']
             if f['ip'] == address][0]
    assert (shown['fixed_ip'], shown['instance_id']) == (fixed, server_id)
    # Again with the same fixed IP: nothing to do.
    assert api.post(action, body={'addFloatingIp': {
        'address': address, 'fixed_address': fixed}}).status_int == 202

    # Errors: unknown address 404, not the server's fixed IP 400,
    # already associated elsewhere 400.
    fault(api.post(action, body={'addFloatingIp': {
        'address': '172.24.4.6'}}), 404)
    fault(api.post(action, body={'addFloatingIp': {
        'address': address, 'fixed_address': '10.9.9.9'}}), 400)
    other_id = fcloud.boot('other')
    fcloud.wait_for_status(other_id, ('ACTIVE',))
    fault(api.post('/v2.1/servers/%s/action' % other_id,
                   body={'addFloatingIp': {'address': address}}), 400)
    fault(api.post('/v2.1/servers/%s/action' % other_id,
                   body={'removeFloatingIp': {'address': address}}), 409)

    resp = api.post(action, body={'removeFloatingIp': {'address': address}})
    assert_matches('floating_ips.add_remove_floating_ip', resp)
    assert ('remove_floating_ip', address, fixed, 'eth1') in driver.calls
    fault(api.post(action, body={'removeFloatingIp': {'address': address}}),
          409)
    entries = api.get('/v2.1/servers/%s' % server_id).json_body_or_none[
        'server']['addresses']['private']
    assert [e['OS-EXT-IPS:type'] for e in entries] == ['fixed']

    # The actions stay at 2.37 (Nova removed them in 2.44).
    resp = api.post(action, body={'addFloatingIp': {'address': address}},
                    headers=_version('2.37'))
    assert resp.status_int == 202

    # Deleting the server disassociates it; the address stays allocated.
    assert api.delete('/v2.1/servers/%s' % server_id).status_int == 204
    fcloud.wait_for_status(server_id, ('DELETED',))
    shown = [f for f in api.get(FIP).json_body_or_none['floating_ips']
             if f['ip'] == address][0]
    assert shown['fixed_ip'] is None and shown['instance_id'] is None
    assert address not in driver.floating


def test_another_projects_floating_ip_cannot_be_added(fcloud):
    server_id = fcloud.boot('web')
    fcloud.wait_for_status(server_id, ('ACTIVE',))
    other = Client(fcloud.app, token='eve:other')
    address = other.post(FIP, body={'pool': 'public'}).json_body_or_none[
        'floating_ip']['ip']
    fault(fcloud.api.post('/v2.1/servers/%s/action' % server_id,
                          body={'addFloatingIp': {'address': address}}), 404)


def test_bad_action_bodies_are_400(fcloud):
    server_id = fcloud.boot('web')
    fcloud.wait_for_status(server_id, ('ACTIVE',))
    for body in ({'addFloatingIp': {}},
                 {'addFloatingIp': {'address': 'not-an-ip'}},
                 {'addFloatingIp': {'address': '172.24.4.1', 'bogus': 1}},
                 {'addFloatingIp': None},
                 {'removeFloatingIp': {'address': 5}},
                 {'removeFloatingIp': 'x'}):
        fault(fcloud.api.post('/v2.1/servers/%s/action' % server_id,
                              body=body), 400)


def test_releasing_an_associated_address_disassociates_it(fcloud):
    api = fcloud.api
    server_id = fcloud.boot('web')
    server = fcloud.wait_for_status(server_id, ('ACTIVE',))
    fixed = server['addresses']['private'][0]['addr']
    floating = api.post(FIP, body={'pool': 'public'}).json_body_or_none[
        'floating_ip']
    assert api.post('/v2.1/servers/%s/action' % server_id, body={
        'addFloatingIp': {'address': floating['ip']}}).status_int == 202
    driver = _network_driver(fcloud)
    assert driver.floating == {floating['ip']: (fixed, 'eth1')}
    assert api.delete('%s/%s' % (FIP, floating['id'])).status_int == 202
    assert driver.floating == {}
    entries = api.get('/v2.1/servers/%s' % server_id).json_body_or_none[
        'server']['addresses']['private']
    assert [e['addr'] for e in entries] == [fixed]
    # Back in the pool: the next allocation may take it.
    assert api.post(FIP, body={'pool': 'public'}).json_body_or_none[
        'floating_ip']['ip'] == floating['ip']
