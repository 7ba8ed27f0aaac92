"""/os-server-groups and the ``group`` scheduler hint, in one process
(two compute hosts, fake driver): responses checked against tempest's
schemas, and where the scheduler puts each policy's members."""

from tests.functional.api.conftest import Client
from tests.functional.api import schema_check
from tests.functional.cloud import cloud  # noqa: F401
from tests.functional.cloud import COMPUTE_HOSTS
from tests.functional.cloud import glance  # noqa: F401
from tests.functional.cloud import image_db  # noqa: F401
from tests.functional.cloud import image_server  # noqa: F401

GROUPS = '/v2.1/os-server-groups'


def _v(version):
    return {'X-OpenStack-Nova-API-Version': version}


def _group(cloud, policy, name='g', version='2.15'):  # noqa: F811
    resp = cloud.api.post(GROUPS, headers=_v(version), body={
        'server_group': {'name': name, 'policies': [policy]}})
    assert resp.status_int == 200, resp.body
    schema_check.assert_matches('server_groups.create_show_server_group',
                                resp)
    return resp.json_body_or_none['server_group']


def _boot(cloud, group_id, name, count=1, code=202):  # noqa: F811
    body = {'server': {'name': name, 'imageRef': cloud.image['id'],
                       'flavorRef': '1', 'networks': 'auto',
                       'min_count': count, 'max_count': count},
            'os:scheduler_hints': {'group': group_id}}
    resp = cloud.api.post('/v2.1/servers', body=body, headers=_v('2.37'))
    assert resp.status_int == code, resp.body
    return resp


def _stack(cloud, conf):  # noqa: F811
    """Weighers that stack instances on one host (negative multipliers),
    so that spreading is the anti-affinity filter's doing alone."""
    for name in ('ram', 'cpu', 'disk'):
        conf.config(**{name + '_weight_multiplier': -1.0})
    for svc in cloud.launcher.services:
        if getattr(svc, 'topic', None) == 'scheduler':
            svc.manager.driver.reset()


def _hosts(cloud, name):  # noqa: F811
    """{server id: (status, host)} of the servers named ``name``."""
    resp = cloud.admin_api.get(
        '/v2.1/servers/detail?all_tenants=1&name=^%s' % name)
    servers = resp.json_body_or_none['servers']
    for server in servers:
        cloud.wait_for_status(server['id'], ('ACTIVE', 'ERROR'))
    resp = cloud.admin_api.get(
        '/v2.1/servers/detail?all_tenants=1&name=^%s' % name)
    return {s['id']: (s['status'], s['OS-EXT-SRV-ATTR:host'])
            for s in resp.json_body_or_none['servers']}


def test_create_show_list_delete_and_versions(cloud):  # noqa: F811
    group = _group(cloud, 'anti-affinity', version='2.1')
    assert set(group) == {'id', 'name', 'policies', 'members', 'metadata'}
    assert (group['policies'], group['members']) == (['anti-affinity'], [])
    resp = cloud.api.get('%s/%s' % (GROUPS, group['id']), headers=_v('2.13'))
    schema_check.assert_matches('server_groups.create_show_server_group',
                                resp)
    shown = resp.json_body_or_none['server_group']
    assert (shown['project_id'], shown['user_id']) == ('demo', 'demo')
    for version in ('2.1', '2.13', '2.37'):
        resp = cloud.api.get(GROUPS, headers=_v(version))
        schema_check.assert_matches('server_groups.list_server_groups', resp)
        assert [g['id'] for g in resp.json_body_or_none['server_groups']] \
            == [group['id']]

    # Soft policies only from 2.15; one policy; a name.
    for version, body in (
            ('2.14', {'name': 'x', 'policies': ['soft-affinity']}),
            ('2.15', {'name': 'x', 'policies': ['affinity',
                                                'anti-affinity']}),
            ('2.15', {'name': 'x', 'policies': ['best-effort']}),
            ('2.15', {'name': '', 'policies': ['affinity']}),
            ('2.15', {'policies': ['affinity']})):
        resp = cloud.api.post(GROUPS, headers=_v(version),
                              body={'server_group': body})
        assert resp.status_int == 400, (version, body, resp.body)

    # Another project sees none of it; an admin sees all with
    # all_projects.
    other = Client(cloud.app, token='eve:other')
    assert other.get('%s/%s' % (GROUPS, group['id'])).status_int == 404
    assert other.delete('%s/%s' % (GROUPS, group['id'])).status_int == 404
    assert other.get(GROUPS).json_body_or_none['server_groups'] == []
    assert cloud.admin_api.get(GROUPS).json_body_or_none[
        'server_groups'] == []
    assert [g['id'] for g in cloud.admin_api.get(
        GROUPS + '?all_projects=True').json_body_or_none[
        'server_groups']] == [group['id']]
    # A server cannot join another project's group.
    body = {'server': {'name': 'eve', 'imageRef': cloud.image['id'],
                       'flavorRef': '1', 'networks': 'none'},
            'os:scheduler_hints': {'group': group['id']}}
    assert other.post('/v2.1/servers', body=body,
                      headers=_v('2.37')).status_int == 400

    resp = cloud.api.delete('%s/%s' % (GROUPS, group['id']))
    schema_check.assert_matches('server_groups.delete_server_group', resp)
    assert cloud.api.get('%s/%s' % (GROUPS, group['id'])).status_int == 404
    assert cloud.api.delete('%s/%s' % (GROUPS, group['id'])).status_int \
        == 404


def test_quota_of_groups_and_members(cloud, conf):  # noqa: F811
    conf.config(server_groups=2, server_group_members=2, group='quota')
    first = _group(cloud, 'anti-affinity', 'a')
    _group(cloud, 'affinity', 'b')
    resp = cloud.api.post(GROUPS, headers=_v('2.15'), body={
        'server_group': {'name': 'c', 'policies': ['affinity']}})
    assert resp.status_int == 403, resp.body
    assert len(cloud.api.get(GROUPS).json_body_or_none['server_groups']) \
        == 2

    _boot(cloud, first['id'], 'q', count=2)
    _boot(cloud, first['id'], 'q3', code=403)
    members = cloud.api.get('%s/%s' % (GROUPS, first['id'])).json_body_or_none[
        'server_group']['members']
    assert len(members) == 2
    # An unknown group is the request's fault, and makes nothing.
    _boot(cloud, '8b4c1f5e-0000-4000-8000-000000000000', 'nogroup', code=400)
    assert _hosts(cloud, 'nogroup') == {}


def test_anti_affinity_spreads_and_then_refuses(cloud, conf):  # noqa: F811
    _stack(cloud, conf)
    group = _group(cloud, 'anti-affinity')
    _boot(cloud, group['id'], 'anti', count=2)
    placed = _hosts(cloud, 'anti')
    assert sorted(host for _, host in placed.values()) == sorted(
        COMPUTE_HOSTS)
    # Both hosts hold a member: a third has nowhere to go.
    third = _boot(cloud, group['id'], 'third').json_body_or_none[
        'server']['id']
    server = cloud.wait_for_status(third, ('ERROR',))
    assert 'ServerGroupAntiAffinityFilter' in server['fault']['message']
    members = cloud.api.get('%s/%s' % (GROUPS, group['id'])).json_body_or_none[
        'server_group']['members']
    assert set(members) == set(placed) | {third}
    # Once one member is gone, its host is free for the group again.
    gone = next(iter(placed))
    assert cloud.api.delete('/v2.1/servers/%s' % gone).status_int == 204
    cloud.wait_for_status(gone, ('DELETED',))
    assert cloud.api.delete('/v2.1/servers/%s' % third).status_int == 204
    cloud.wait_for_status(third, ('DELETED',))
    again = _boot(cloud, group['id'], 'again').json_body_or_none[
        'server']['id']
    server = cloud.wait_for_status(again, ('ACTIVE',))
    assert cloud.admin_api.get('/v2.1/servers/%s' % again).json_body_or_none[
        'server']['OS-EXT-SRV-ATTR:host'] == placed[gone][1]


def test_affinity_keeps_members_together(cloud):  # noqa: F811
    # The default weighers spread: together is the filter's doing.
    group = _group(cloud, 'affinity')
    _boot(cloud, group['id'], 'aff', count=2)
    _boot(cloud, group['id'], 'aff3')
    placed = _hosts(cloud, 'aff')
    assert len(placed) == 3
    assert {status for status, _ in placed.values()} == {'ACTIVE'}
    assert len({host for _, host in placed.values()}) == 1


def test_soft_anti_affinity_prefers_spreading(cloud, conf):  # noqa: F811
    _stack(cloud, conf)
    group = _group(cloud, 'soft-anti-affinity')
    _boot(cloud, group['id'], 'soft', count=3)
    placed = _hosts(cloud, 'soft')
    assert {status for status, _ in placed.values()} == {'ACTIVE'}
    # Two hosts for three: spread over both, the third wherever it fits.
    assert {host for _, host in placed.values()} == set(COMPUTE_HOSTS)


def test_separate_requests_see_each_others_placements(cloud, conf):  # noqa: F811,E501
    """Two anti-affinity boots a moment apart (the first one's host not
    saved yet when the second is scheduled) still land apart."""
    _stack(cloud, conf)
    group = _group(cloud, 'anti-affinity')
    _boot(cloud, group['id'], 'apart1')
    _boot(cloud, group['id'], 'apart2')
    placed = _hosts(cloud, 'apart')
    assert sorted(host for _, host in placed.values()) == sorted(
        COMPUTE_HOSTS)


def test_list_limit_and_offset(cloud):  # noqa: F811
    ids = [_group(cloud, 'affinity', 'g%d' % i)['id'] for i in range(3)]

    def listed(query):
        resp = cloud.api.get(GROUPS + query)
        assert resp.status_int == 200, resp.body
        return [g['id'] for g in resp.json_body_or_none['server_groups']]

    assert listed('') == ids
    assert listed('?limit=2') == ids[:2]
    assert listed('?limit=2&offset=2') == ids[2:]
    assert listed('?offset=1') == ids[1:]
    for bad in ('?limit=x', '?limit=-1', '?offset=x', '?offset=-1'):
        assert cloud.api.get(GROUPS + bad).status_int == 400, bad
