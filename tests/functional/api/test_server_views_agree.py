"""GET /servers/{id}, the /servers/detail lists and the answers of PUT
/servers/{id} show a server alike: the lists and show read server rows
(nimbus.db.api.server_view), PUT shows an Instance object's
``server_row()``; none may drift from the others."""

import datetime
import urllib.parse

from tests.functional.api import schema_check
from tests.functional.api.test_servers_sql_counts import _add_servers
from tests.functional.cloud import cloud  # noqa: F401
from tests.functional.cloud import glance  # noqa: F401
from tests.functional.cloud import image_db  # noqa: F401
from tests.functional.cloud import image_server  # noqa: F401

VERSIONS = ('2.1', '2.3', '2.9', '2.16', '2.19', '2.26', '2.37')


def _v(version):
    return {'X-OpenStack-Nova-API-Version': version}


def _servers(api, path, version):
    resp = api.get(path, headers=_v(version))
    schema_check.assert_matches('servers.list_servers_detail', resp)
    return {s['id']: s for s in resp.json_body_or_none['servers']}


def test_show_list_and_update_show_a_server_alike(cloud):  # noqa: F811
    since = datetime.datetime.now(datetime.timezone.utc) - \
        datetime.timedelta(seconds=5)
    changes = '/v2.1/servers/detail?changes-since=' + urllib.parse.quote(
        since.isoformat())
    active = cloud.boot('active', metadata={'role': 'web'})
    cloud.wait_for_status(active, ('ACTIVE',))
    _add_servers(active, 1, fault_every=1)  # one ERROR server with a fault
    gone = cloud.boot('gone')
    cloud.wait_for_status(gone, ('ACTIVE',))
    assert cloud.api.delete('/v2.1/servers/%s' % gone).status_int == 204
    cloud.wait_for_status(gone, ('DELETED',))

    for version in VERSIONS:
        for api, suffix in ((cloud.api, ''), (cloud.admin_api,
                                              '?all_tenants=1')):
            listed = _servers(api, '/v2.1/servers/detail' + suffix, version)
            assert len(listed) == 2
            statuses = {s['status'] for s in listed.values()}
            assert statuses == {'ACTIVE', 'ERROR'}
            for server_id, server in listed.items():
                resp = api.get('/v2.1/servers/%s' % server_id,
                               headers=_v(version))
                schema_check.assert_matches('servers.get_server', resp)
                assert resp.json_body_or_none['server'] == server
            since_listed = _servers(
                api, changes + ('&all_tenants=1' if suffix else ''), version)
            assert since_listed[gone]['status'] == 'DELETED'
            assert since_listed[gone]['flavor']['id'] == '1'
            for server_id, server in listed.items():
                assert since_listed[server_id] == server
            error = [s for s in listed.values() if s['status'] == 'ERROR']
            assert error[0]['fault']['message'] == 'boom'
            assert ('OS-EXT-SRV-ATTR:host' in error[0]) == bool(suffix)

    for server_id in _servers(cloud.api, '/v2.1/servers/detail', '2.37'):
        resp = cloud.api.put('/v2.1/servers/%s' % server_id,
                             body={'server': {'name': 'renamed'}},
                             headers=_v('2.37'))
        assert resp.status_int == 200, resp.body
        updated = resp.json_body_or_none['server']
        shown = cloud.api.get('/v2.1/servers/%s' % server_id,
                              headers=_v('2.37')).json_body_or_none['server']
        assert updated['name'] == 'renamed'
        # PUT shows addresses without the OS-EXT-IPS keys (as Nova).
        assert updated['addresses'] == {
            label: [{'version': a['version'], 'addr': a['addr']}
                    for a in addresses]
            for label, addresses in shown['addresses'].items()}
        assert {k: v for k, v in updated.items() if k != 'addresses'} == {
            key: shown[key] for key in updated if key != 'addresses'}
