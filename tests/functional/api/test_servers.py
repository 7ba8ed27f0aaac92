"""The servers API end to end in one process: REST → conductor →
scheduler → compute (fake driver) → network, responses checked against
tempest's schemas for the microversions served."""

import base64
import time

import pytest

from nimbus.compute import power_state
from tests.functional.api.conftest import Client
from tests.functional.api import schema_check
from tests.functional.cloud import cloud  # noqa: F401
from tests.functional.cloud import glance  # noqa: F401
from tests.functional.cloud import image_db  # noqa: F401
from tests.functional.cloud import image_server  # noqa: F401
from tests.functional.cloud import COMPUTE_HOSTS

V = {'X-OpenStack-Nova-API-Version': '2.37'}


def _version(v):
    return {'X-OpenStack-Nova-API-Version': v}


def test_boot_show_list_delete(cloud):  # noqa: F811
    server_id = cloud.boot('web')
    server = cloud.wait_for_status(server_id, ('ACTIVE',))
    assert server['name'] == 'web'
    addresses = server['addresses']['private']
    assert addresses[0]['addr'].startswith('10.0.0.')
    assert addresses[0]['OS-EXT-IPS-MAC:mac_addr'].startswith('fa:16:3e')

    for version in ('2.1', '2.3', '2.9', '2.16', '2.19', '2.26', '2.37'):
        resp = cloud.api.get('/v2.1/servers/%s' % server_id,
                             headers=_version(version))
        schema_check.assert_matches('servers.get_server', resp)
        resp = cloud.admin_api.get('/v2.1/servers/%s' % server_id,
                                   headers=_version(version))
        schema_check.assert_matches('servers.get_server', resp)
        resp = cloud.api.get('/v2.1/servers/detail',
                             headers=_version(version))
        schema_check.assert_matches('servers.list_servers_detail', resp)
    resp = cloud.api.get('/v2.1/servers')
    schema_check.assert_matches('servers.list_servers', resp)
    assert [s['id'] for s in resp.json_body_or_none['servers']] == [
        server_id]

    resp = cloud.api.get('/v2.1/servers/%s/ips' % server_id)
    schema_check.assert_matches('servers.list_addresses', resp)

    resp = cloud.api.delete('/v2.1/servers/%s' % server_id)
    schema_check.assert_matches('servers.delete_server', resp)
    cloud.wait_for_status(server_id, ('DELETED',))


def test_create_response_and_reservation_id(cloud):  # noqa: F811
    body = {'server': {'name': 'x', 'imageRef': cloud.image['id'],
                       'flavorRef': '1', 'networks': 'none'}}
    resp = cloud.api.post('/v2.1/servers', body=body, headers=V)
    schema_check.assert_matches('servers.create_server_with_admin_pass',
                                resp)
    assert resp.headers['Location'].endswith(
        resp.json_body_or_none['server']['id'])
    body['server']['return_reservation_id'] = True
    resp = cloud.api.post('/v2.1/servers', body=body, headers=V)
    assert resp.status_int == 202
    assert resp.json_body_or_none['reservation_id'].startswith('r-')


def test_multiple_create_spreads_over_hosts(cloud):  # noqa: F811
    server_id = cloud.boot('many', min_count=2, max_count=2)
    cloud.wait_for_status(server_id, ('ACTIVE',))
    resp = cloud.admin_api.get(
        '/v2.1/servers/detail?name=many&all_tenants=1', headers=V)
    servers = resp.json_body_or_none['servers']
    assert len(servers) == 2
    for s in servers:
        cloud.wait_for_status(s['id'], ('ACTIVE',))
    resp = cloud.admin_api.get(
        '/v2.1/servers/detail?name=many&all_tenants=1', headers=V)
    hosts = {s['OS-EXT-SRV-ATTR:host']
             for s in resp.json_body_or_none['servers']}
    assert hosts == set(COMPUTE_HOSTS)


def test_actions_move_through_states(cloud):  # noqa: F811
    server_id = cloud.boot('acts')
    cloud.wait_for_status(server_id, ('ACTIVE',))
    url = '/v2.1/servers/%s/action' % server_id

    def act(body, code=202):
        resp = cloud.api.post(url, body=body, headers=V)
        assert resp.status_int == code, resp.body
        return resp

    act({'reboot': {'type': 'SOFT'}})
    cloud.wait_for_status(server_id, ('ACTIVE',))
    act({'reboot': {'type': 'HARD'}})
    cloud.wait_for_status(server_id, ('ACTIVE',))
    act({'os-stop': None})
    cloud.wait_for_status(server_id, ('SHUTOFF',))
    # Stopping a stopped server is refused and changes nothing.
    resp = act({'os-stop': None}, code=409)
    assert 'conflictingRequest' in resp.json_body_or_none
    act({'os-start': None})
    cloud.wait_for_status(server_id, ('ACTIVE',))
    act({'pause': None})
    cloud.wait_for_status(server_id, ('PAUSED',))
    act({'unpause': None})
    cloud.wait_for_status(server_id, ('ACTIVE',))
    act({'suspend': None})
    cloud.wait_for_status(server_id, ('SUSPENDED',))
    act({'resume': None})
    cloud.wait_for_status(server_id, ('ACTIVE',))

    resp = act({'os-getConsoleOutput': {'length': 5}}, code=200)
    assert isinstance(resp.json_body_or_none['output'], str)

    resp = cloud.api.get('/v2.1/servers/%s/os-instance-actions'
                         % server_id)
    schema_check.assert_matches('servers.list_instance_actions', resp)
    actions = [a['action'] for a in
               resp.json_body_or_none['instanceActions']]
    for expected in ('create', 'reboot', 'stop', 'start', 'pause',
                     'suspend', 'resume'):
        assert expected in actions
    request_id = resp.json_body_or_none['instanceActions'][-1]['request_id']
    resp = cloud.admin_api.get('/v2.1/servers/%s/os-instance-actions/%s'
                               % (server_id, request_id))
    schema_check.assert_matches('servers.show_instance_action', resp)


def test_lock_blocks_member_actions(cloud):  # noqa: F811
    server_id = cloud.boot('locked')
    cloud.wait_for_status(server_id, ('ACTIVE',))
    url = '/v2.1/servers/%s/action' % server_id
    assert cloud.api.post(url, body={'lock': None}).status_int == 202
    resp = cloud.api.get('/v2.1/servers/%s' % server_id,
                         headers=_version('2.9'))
    assert resp.json_body_or_none['server']['locked'] is True
    resp = cloud.api.post(url, body={'os-stop': None})
    assert resp.status_int == 409
    assert cloud.api.post(url, body={'unlock': None}).status_int == 202
    assert cloud.api.post(url, body={'os-stop': None}).status_int == 202


def test_update_metadata_and_tags(cloud):  # noqa: F811
    server_id = cloud.boot('meta', metadata={'a': '1'})
    cloud.wait_for_status(server_id, ('ACTIVE',))
    base = '/v2.1/servers/%s' % server_id
    resp = cloud.api.put(base, body={'server': {'name': 'renamed',
                                                'description': 'd'}},
                         headers=V)
    schema_check.assert_matches('servers.update_server', resp)
    assert resp.json_body_or_none['server']['name'] == 'renamed'
    resp = cloud.api.post(base + '/metadata', body={'metadata': {'b': '2'}})
    assert resp.json_body_or_none == {'metadata': {'a': '1', 'b': '2'}}
    resp = cloud.api.put(base + '/metadata/c', body={'meta': {'c': '3'}})
    assert resp.status_int == 200
    assert cloud.api.get(base + '/metadata/c').json_body_or_none == {
        'meta': {'c': '3'}}
    assert cloud.api.delete(base + '/metadata/a').status_int == 204
    assert cloud.api.get(base + '/metadata/a').status_int == 404
    resp = cloud.api.put(base + '/metadata', body={'metadata': {'z': '9'}})
    assert resp.json_body_or_none == {'metadata': {'z': '9'}}

    resp = cloud.api.put(base + '/tags/blue', headers=V)
    assert resp.status_int == 201
    resp = cloud.api.get(base + '/tags', headers=V)
    assert resp.json_body_or_none == {'tags': ['blue']}
    assert cloud.api.get(base + '/tags/blue', headers=V).status_int == 204
    assert cloud.api.get(base + '/tags/red', headers=V).status_int == 404
    # Tags did not exist before 2.26.
    assert cloud.api.get(base + '/tags',
                         headers=_version('2.25')).status_int == 404


def test_other_project_sees_404(cloud):  # noqa: F811
    server_id = cloud.boot('mine')
    other = Client(cloud.app, token='eve:other')
    for method, path, body in (
            ('GET', '/v2.1/servers/%s' % server_id, None),
            ('DELETE', '/v2.1/servers/%s' % server_id, None),
            ('POST', '/v2.1/servers/%s/action' % server_id,
             {'os-stop': None}),
            ('GET', '/v2.1/servers/%s/metadata' % server_id, None)):
        resp = other.request(method, path, body=body)
        assert resp.status_int == 404, (method, path, resp.body)
    resp = other.get('/v2.1/servers/detail')
    assert resp.json_body_or_none['servers'] == []


@pytest.mark.parametrize('body', [
    {},
    {'server': {}},
    {'server': {'name': 'x', 'flavorRef': '1'}},
    {'server': {'name': 'x', 'imageRef': 'nope', 'flavorRef': '1',
                'networks': 'auto'}},
    {'server': {'name': 'x', 'imageRef': 'IMAGE', 'flavorRef': '999',
                'networks': 'auto'}},
    {'server': {'name': 'x', 'imageRef': 'IMAGE', 'flavorRef': '1',
                'networks': 'bogus'}},
    {'server': {'name': 'x', 'imageRef': 'IMAGE', 'flavorRef': '1',
                'networks': 'auto', 'user_data': '***'}},
    {'server': {'name': 'x', 'imageRef': 'IMAGE', 'flavorRef': '1',
                'networks': 'auto', 'min_count': 3, 'max_count': 2}},
    {'server': {'name': ' ', 'imageRef': 'IMAGE', 'flavorRef': '1',
                'networks': 'auto'}},
    {'server': {'name': 'x', 'imageRef': 'IMAGE', 'flavorRef': '1',
                'networks': 'auto', 'key_name': 'nokey'}},
])
def test_bad_create_is_400_and_creates_nothing(cloud, body):  # noqa: F811
    text = str(body).replace('IMAGE', cloud.image['id'])
    body = eval(text)  # the parametrized bodies are literals
    resp = cloud.api.post('/v2.1/servers', body=body, headers=V)
    assert resp.status_int == 400, resp.body
    assert 'badRequest' in resp.json_body_or_none
    assert cloud.api.get('/v2.1/servers').json_body_or_none == {
        'servers': []}


def test_malformed_requests_never_500(cloud):  # noqa: F811
    for method, path, body in (
            ('POST', '/v2.1/servers', b'{not json'),
            ('POST', '/v2.1/servers', b'[]'),
            ('POST', '/v2.1/servers/nope/action', b'{"reboot": {}}'),
            ('PUT', '/v2.1/servers/nope', b'{"server": {"name": 1}}'),
            ('GET', '/v2.1/servers?limit=abc', None),
            ('GET', '/v2.1/servers?marker=nope', None),
            ('GET', '/v2.1/servers?changes-since=yesterday', None)):
        resp = cloud.api.request(method, path, body=body, headers=V)
        assert 400 <= resp.status_int < 500, (method, path, resp.body)


def test_user_data_and_key_reach_the_instance(cloud):  # noqa: F811
    data = base64.b64encode(b'#!/bin/sh\necho hi\n').decode()
    server_id = cloud.boot('ud', user_data=data)
    cloud.wait_for_status(server_id, ('ACTIVE',))
    resp = cloud.admin_api.get('/v2.1/servers/%s' % server_id,
                               headers=_version('2.3'))
    assert resp.json_body_or_none['server'][
        'OS-EXT-SRV-ATTR:user_data'] == data


def test_status_filter(cloud):  # noqa: F811
    server_id = cloud.boot('filtered')
    cloud.wait_for_status(server_id, ('ACTIVE',))
    ids = [s['id'] for s in cloud.api.get(
        '/v2.1/servers?status=ACTIVE').json_body_or_none['servers']]
    assert ids == [server_id]
    assert cloud.api.get('/v2.1/servers?status=SHUTOFF').json_body_or_none[
        'servers'] == []
    assert cloud.api.get('/v2.1/servers?status=NO_SUCH').json_body_or_none[
        'servers'] == []


def test_tag_filters(cloud):  # noqa: F811
    red = cloud.boot('red')
    blue = cloud.boot('blue')
    for server_id, tags in ((red, ['red', 'warm']), (blue, ['blue'])):
        cloud.wait_for_status(server_id, ('ACTIVE',))
        resp = cloud.api.put('/v2.1/servers/%s/tags' % server_id,
                             body={'tags': tags}, headers=V)
        assert resp.status_int == 200

    def names(query, headers=V):
        resp = cloud.api.get('/v2.1/servers?' + query, headers=headers)
        return sorted(s['name'] for s in resp.json_body_or_none['servers'])

    assert names('tags=red,warm') == ['red']
    assert names('tags=red,blue') == []
    assert names('tags-any=red,blue') == ['blue', 'red']
    assert names('not-tags=red,warm') == ['blue']
    assert names('not-tags-any=blue') == ['red']
    # Before 2.26 the filters do not exist and are ignored.
    assert names('tags=red', headers=_version('2.25')) == ['blue', 'red']


def test_rescue_and_unrescue(cloud):  # noqa: F811
    server_id = cloud.boot('rescued')
    cloud.wait_for_status(server_id, ('ACTIVE',))
    url = '/v2.1/servers/%s/action' % server_id

    # Bad input changes nothing.
    for body in ({'rescue': {'bogus': 1}},
                 {'rescue': {'rescue_image_ref': 'not-a-uuid'}},
                 {'rescue': {'adminPass': ''}}):
        resp = cloud.api.post(url, body=body, headers=V)
        assert resp.status_int == 400, resp.body
    resp = cloud.api.post(url, body={'rescue': {
        'rescue_image_ref': '4d4e5f0a-5b8e-4b9e-9a3c-0123456789ab'}},
        headers=V)
    assert resp.status_int == 400, resp.body
    assert cloud.api.get('/v2.1/servers/%s' % server_id).json_body_or_none[
        'server']['status'] == 'ACTIVE'
    resp = cloud.api.post(url, body={'unrescue': None}, headers=V)
    assert resp.status_int == 409, resp.body

    resp = cloud.api.post(url, body={'rescue': {'adminPass': 's3cret'}},
                          headers=V)
    schema_check.assert_matches('servers.rescue_server_with_admin_pass', resp)
    assert resp.json_body_or_none == {'adminPass': 's3cret'}
    cloud.wait_for_status(server_id, ('RESCUE',))
    resp = cloud.api.post(url, body={'unrescue': None}, headers=V)
    assert resp.status_int == 202 and not resp.body, resp.body
    cloud.wait_for_status(server_id, ('ACTIVE',))

    resp = cloud.api.post(url, body={'rescue': None}, headers=V)
    assert resp.status_int == 200, resp.body
    assert resp.json_body_or_none['adminPass']
    cloud.wait_for_status(server_id, ('RESCUE',))


def test_changes_since_includes_deleted_servers(cloud):  # noqa: F811
    import datetime
    import urllib.parse

    old = cloud.boot('old')
    cloud.wait_for_status(old, ('ACTIVE',))
    gone = cloud.boot('gone')
    cloud.wait_for_status(gone, ('ACTIVE',))
    since = datetime.datetime.now(datetime.timezone.utc).isoformat()
    query = '?changes-since=' + urllib.parse.quote(since)
    assert cloud.api.get('/v2.1/servers/detail' + query).json_body_or_none[
        'servers'] == []
    assert cloud.api.delete('/v2.1/servers/%s' % gone).status_int == 204
    cloud.wait_for_status(gone, ('DELETED',))
    fresh = cloud.boot('fresh')
    cloud.wait_for_status(fresh, ('ACTIVE',))

    resp = cloud.api.get('/v2.1/servers/detail' + query, headers=V)
    schema_check.assert_matches('servers.list_servers_detail', resp)
    statuses = {s['id']: s['status']
                for s in resp.json_body_or_none['servers']}
    # The untouched server is left out; the deleted one is listed as
    # DELETED (to its own project, as in Nova), the new one as it is.
    assert statuses == {gone: 'DELETED', fresh: 'ACTIVE'}
    # A plain list leaves deleted servers out.
    assert {s['id'] for s in cloud.api.get('/v2.1/servers/detail')
            .json_body_or_none['servers']} == {old, fresh}
    # An admin may ask for the deleted ones only.
    resp = cloud.admin_api.get('/v2.1/servers/detail' + query +
                               '&deleted=true&all_tenants=1')
    assert [s['id'] for s in resp.json_body_or_none['servers']] == [gone]
    assert resp.json_body_or_none['servers'][0]['status'] == 'DELETED'


def _compute_driver(cloud, host):
    for svc in cloud.launcher.services:
        if getattr(svc, 'topic', None) == 'compute' and svc.host == host:
            return svc.manager.driver
    raise AssertionError('no compute service on %s' % host)


def _wait_for_event(cloud, server_id, action, timeout=10):
    """The events of the server's newest ``action`` once they finished."""
    url = '/v2.1/servers/%s/os-instance-actions' % server_id
    deadline = time.monotonic() + timeout
    while True:
        listed = [a for a in cloud.api.get(url).json_body_or_none[
            'instanceActions'] if a['action'] == action]
        if listed:
            resp = cloud.admin_api.get('%s/%s' % (url,
                                                  listed[0]['request_id']))
            schema_check.assert_matches('servers.show_instance_action',
                                        resp)
            body = resp.json_body_or_none['instanceAction']
            if body['events'] and all(e['finish_time']
                                      for e in body['events']):
                return body['events']
        assert time.monotonic() < deadline, 'no finished %s' % action
        time.sleep(0.05)


def test_trigger_crash_dump(cloud):  # noqa: F811
    server_id = cloud.boot('dump')
    cloud.wait_for_status(server_id, ('ACTIVE',))
    resp = cloud.admin_api.get('/v2.1/servers/%s' % server_id)
    host = resp.json_body_or_none['server']['OS-EXT-SRV-ATTR:host']
    url = '/v2.1/servers/%s/action' % server_id
    dump = {'trigger_crash_dump': None}

    # An action of 2.17: before it, no such method; bad bodies are 400.
    assert cloud.api.post(url, body=dump,
                          headers=_version('2.16')).status_int == 404
    for bad in ({'trigger_crash_dump': {}}, {'trigger_crash_dump': 1}):
        assert cloud.api.post(url, body=bad, headers=V).status_int == 400

    # The guest gets an NMI (its kernel says so on the console); the
    # server's states do not change.
    assert cloud.api.post(url, body=dump, headers=V).status_int == 202
    [event] = _wait_for_event(cloud, server_id, 'trigger_crash_dump')
    assert (event['event'], event['result']) == (
        'compute_trigger_crash_dump', 'Success')
    resp = cloud.api.post(url, body={'os-getConsoleOutput': {}})
    assert 'NMI received' in resp.json_body_or_none['output']
    server = cloud.api.get('/v2.1/servers/%s' % server_id).json_body_or_none[
        'server']
    assert (server['status'], server['OS-EXT-STS:task_state']) == (
        'ACTIVE', None)

    # A guest that stopped behind nimbus's back: the event fails and the
    # server stays as it was (no ERROR for a dump that could not be sent).
    _compute_driver(cloud, host).set_power_state(server_id,
                                                 power_state.SHUTDOWN)
    assert cloud.api.post(url, body=dump, headers=V).status_int == 202
    [event] = _wait_for_event(cloud, server_id, 'trigger_crash_dump')
    assert event['result'] == 'Error'
    assert 'is not running' in event['traceback']
    assert cloud.api.get('/v2.1/servers/%s' % server_id).json_body_or_none[
        'server']['status'] == 'ACTIVE'

    # Refused while stopped, and while locked; nothing is recorded.
    actions_url = '/v2.1/servers/%s/os-instance-actions' % server_id
    before = len(cloud.api.get(actions_url).json_body_or_none[
        'instanceActions'])
    assert cloud.api.post(url, body={'os-stop': None}).status_int == 202
    cloud.wait_for_status(server_id, ('SHUTOFF',))
    resp = cloud.api.post(url, body=dump, headers=V)
    assert resp.status_int == 409, resp.body
    assert 'conflictingRequest' in resp.json_body_or_none
    assert cloud.api.post(url, body={'os-start': None}).status_int == 202
    cloud.wait_for_status(server_id, ('ACTIVE',))
    assert cloud.admin_api.post(url, body={'lock': None}).status_int == 202
    assert cloud.api.post(url, body=dump, headers=V).status_int == 409
    actions = [a['action'] for a in cloud.api.get(
        actions_url).json_body_or_none['instanceActions']]
    assert actions.count('trigger_crash_dump') == 2
    assert len(actions) == before + 3     # stop, start, lock


def test_actions_of_a_deleted_server_from_2_21(cloud):  # noqa: F811
    server_id = cloud.boot('gone')
    cloud.wait_for_status(server_id, ('ACTIVE',))
    assert cloud.api.delete('/v2.1/servers/%s' % server_id).status_int == 204
    cloud.wait_for_status(server_id, ('DELETED',))
    url = '/v2.1/servers/%s/os-instance-actions' % server_id
    # Before 2.21 a deleted server has no actions to show.
    assert cloud.api.get(url, headers=_version('2.20')).status_int == 404
    resp = cloud.api.get(url, headers=_version('2.21'))
    assert resp.status_int == 200, resp.body
    schema_check.assert_matches('servers.list_instance_actions', resp)
    actions = resp.json_body_or_none['instanceActions']
    assert [a['action'] for a in actions] == ['delete', 'create']
    resp = cloud.admin_api.get('%s/%s' % (url, actions[0]['request_id']),
                               headers=_version('2.21'))
    schema_check.assert_matches('servers.show_instance_action', resp)
    assert resp.json_body_or_none['instanceAction']['events']
    # Still the owner's only.
    other = Client(cloud.app, token='eve:other')
    assert other.get(url, headers=_version('2.21')).status_int == 404


def test_host_status_from_2_16(cloud, monkeypatch):  # noqa: F811
    server_id = cloud.boot('hs')
    cloud.wait_for_status(server_id, ('ACTIVE',))
    url = '/v2.1/servers/%s' % server_id
    headers = _version('2.16')

    def status():
        resp = cloud.admin_api.get(url, headers=headers)
        schema_check.assert_matches('servers.get_server', resp)
        return resp.json_body_or_none['server']['host_status']

    host = cloud.admin_api.get(url).json_body_or_none['server'][
        'OS-EXT-SRV-ATTR:host']
    assert status() == 'UP'
    # Forced down, then disabled too: each later state overrides.
    body = {'host': host, 'binary': 'nimbus-compute', 'forced_down': True}
    assert cloud.admin_api.put('/v2.1/os-services/force-down', body=body,
                               headers=_version('2.11')).status_int == 200
    assert status() == 'DOWN'
    service = {'host': host, 'binary': 'nimbus-compute'}
    assert cloud.admin_api.put('/v2.1/os-services/disable',
                               body=service).status_int == 200
    assert status() == 'MAINTENANCE'
    assert cloud.admin_api.put('/v2.1/os-services/enable',
                               body=service).status_int == 200
    body['forced_down'] = False
    assert cloud.admin_api.put('/v2.1/os-services/force-down', body=body,
                               headers=_version('2.11')).status_int == 200
    assert status() == 'UP'
    # A service that stopped reporting: not known to be down.
    from nimbus import servicegroup
    monkeypatch.setattr(servicegroup, 'service_is_up', lambda svc: False)
    assert status() == 'UNKNOWN'
    # Not shown before 2.16, nor to a member by default.
    assert 'host_status' not in cloud.admin_api.get(url).json_body_or_none[
        'server']
    assert 'host_status' not in cloud.api.get(
        url, headers=headers).json_body_or_none['server']


def test_project_id_in_the_url_must_be_the_tokens(cloud):  # noqa: F811
    assert cloud.api.get('/v2.1/demo/servers').status_int == 200
    resp = cloud.api.get('/v2.1/other/servers')
    assert resp.status_int == 400
    assert "doesn't match Context's project_id 'demo'" in resp.body.decode()
    assert cloud.api.get('/v2.1/servers').status_int == 200


def test_ip_and_ip6_filters_match_fixed_addresses(cloud):  # noqa: F811
    server_id = cloud.boot('ipf')
    server = cloud.wait_for_status(server_id, ('ACTIVE',))
    address = server['addresses']['private'][0]['addr']

    def listed(query, version='2.5'):
        resp = cloud.api.get('/v2.1/servers?' + query,
                             headers=_version(version))
        assert resp.status_int == 200, resp.body
        return [s['id'] for s in resp.json_body_or_none['servers']]

    assert listed('ip=10.0.0') == [server_id]
    assert listed('ip=%s$' % address.replace('.', r'\.')) == [server_id]
    assert listed('ip=10.9.') == []
    # No IPv6 address here: ip6 matches nothing, and an IPv4 pattern
    # is not tried against it.
    assert listed('ip6=.*') == []
    assert listed('ip6=10') == []
    # Before 2.5 ip6 was an administrator's: ignored for a member.
    assert listed('ip6=.*', version='2.4') == [server_id]
    resp = cloud.api.get('/v2.1/servers?ip=(', headers=V)
    assert resp.status_int == 400


def test_device_tags_are_refused_not_dropped(cloud):  # noqa: F811
    base = {'name': 'tagged', 'imageRef': cloud.image['id'],
            'flavorRef': '1'}
    bodies = [
        dict(base, networks=[{'uuid': '8b4c1f5e-0000-4000-8000-000000000001',
                              'tag': 'nic1'}]),
        dict(base, block_device_mapping_v2=[{
            'source_type': 'image', 'destination_type': 'local',
            'boot_index': 0, 'uuid': cloud.image['id'], 'tag': 'root'}]),
    ]
    for server in bodies:
        resp = cloud.api.post('/v2.1/servers', body={'server': server},
                              headers=_version('2.32'))
        assert resp.status_int == 400, resp.body
        assert 'Device tags are not supported' in resp.body.decode()
    assert cloud.api.get('/v2.1/servers').json_body_or_none['servers'] == []
