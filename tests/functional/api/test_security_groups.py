"""Security groups end to end in one process: the API (checked against
tempest's schemas), quotas, project isolation, bad input, and the
firewall driver of the compute hosts following rules and members."""

import time

import pytest

from nimbus import context as nimbus_context
from nimbus import quota
from tests.functional.api.conftest import Client
from tests.functional.api.resource_fixtures import fault
from tests.functional.api.schema_check import assert_matches
from tests.functional.cloud import cloud  # noqa: F401
from tests.functional.cloud import glance  # noqa: F401
from tests.functional.cloud import image_db  # noqa: F401
from tests.functional.cloud import image_server  # noqa: F401

SG = '/v2.1/os-security-groups'
RULES = '/v2.1/os-security-group-rules'


def _version(v):
    return {'X-OpenStack-Nova-API-Version': v}


def _create_group(api, name, description='a group'):
    resp = api.post(SG, body={'security_group': {
        'name': name, 'description': description}})
    assert_matches('security_groups.create_security_group', resp)
    return resp.json_body_or_none['security_group']


def _add_rule(api, parent_id, **rule):
    resp = api.post(RULES, body={'security_group_rule': dict(
        parent_group_id=parent_id, **rule)})
    assert_matches('security_groups.create_security_group_rule', resp)
    return resp.json_body_or_none['security_group_rule']


def _firewalls(cloud):
    return [svc.manager.firewall for svc in cloud.launcher.services
            if getattr(svc, 'topic', None) == 'compute']


def _filter(cloud, server_id):
    for firewall in _firewalls(cloud):
        if server_id in firewall.filters:
            return sorted(firewall.filters[server_id],
                          key=lambda r: sorted(r.items()))
    return None


def _wait_filter(cloud, server_id, expected, timeout=10):
    expected = (sorted(expected, key=lambda r: sorted(r.items()))
                if expected is not None else None)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _filter(cloud, server_id) == expected:
            return
        time.sleep(0.05)
    assert _filter(cloud, server_id) == expected


def _fixed(cloud, server_id):
    server = cloud.api.get('/v2.1/servers/%s' % server_id).json_body_or_none[
        'server']
    return server['addresses']['private'][0]['addr']


def test_group_crud_and_the_default_group(cloud):  # noqa: F811
    api = cloud.api
    resp = api.get(SG)
    assert_matches('security_groups.list_security_groups', resp)
    assert [g['name'] for g in resp.json_body_or_none['security_groups']] == [
        'default']
    default = resp.json_body_or_none['security_groups'][0]

    web = _create_group(api, 'web', 'web servers')
    assert (web['name'], web['description'], web['tenant_id'],
            web['rules']) == ('web', 'web servers', 'demo', [])
    fault(api.post(SG, body={'security_group': {
        'name': 'web', 'description': 'again'}}), 400)
    resp = api.get('%s/%s' % (SG, web['id']))
    assert_matches('security_groups.get_security_group', resp)
    resp = api.put('%s/%s' % (SG, web['id']), body={'security_group': {
        'name': 'www', 'description': 'renamed'}})
    assert_matches('security_groups.update_security_group', resp)
    assert resp.json_body_or_none['security_group']['name'] == 'www'

    # The default group may be neither changed nor deleted.
    fault(api.delete('%s/%s' % (SG, default['id'])), 400)
    fault(api.put('%s/%s' % (SG, default['id']), body={'security_group': {
        'name': 'x', 'description': 'y'}}), 400)

    # Another project sees none of it.
    other = Client(cloud.app, token='eve:other')
    names = [g['name'] for g in
             other.get(SG).json_body_or_none['security_groups']]
    assert names == ['default']
    fault(other.get('%s/%s' % (SG, web['id'])), 404)
    fault(other.delete('%s/%s' % (SG, web['id'])), 404)
    fault(other.post(RULES, body={'security_group_rule': {
        'parent_group_id': web['id'], 'ip_protocol': 'tcp',
        'from_port': 22, 'to_port': 22}}), 404)

    resp = api.delete('%s/%s' % (SG, web['id']))
    assert_matches('security_groups.delete_security_group', resp)
    fault(api.get('%s/%s' % (SG, web['id'])), 404)
    # A name is no id: 404, so that clients fall back to the list.
    fault(api.get('%s/web' % SG), 404)
    fault(api.get('%s/99999' % SG), 404)


def test_rules_validation_and_deletion(cloud):  # noqa: F811
    api = cloud.api
    web = _create_group(api, 'web')
    src = _create_group(api, 'src')
    ssh = _add_rule(api, web['id'], ip_protocol='tcp', from_port=22,
                    to_port=22, cidr='10.1.0.0/16')
    assert ssh['ip_range'] == {'cidr': '10.1.0.0/16'} and ssh['group'] == {}
    ping = _add_rule(api, web['id'], ip_protocol='icmp', from_port=-1,
                     to_port=-1)
    assert ping['ip_range'] == {'cidr': '0.0.0.0/0'}
    from_group = _add_rule(api, web['id'], ip_protocol='udp',
                           from_port='53', to_port='53', group_id=src['id'])
    assert from_group['group'] == {'name': 'src', 'tenant_id': 'demo'}
    assert from_group['ip_range'] == {}
    shown = api.get('%s/%s' % (SG, web['id'])).json_body_or_none[
        'security_group']
    assert sorted(r['id'] for r in shown['rules']) == sorted(
        [ssh['id'], ping['id'], from_group['id']])
    # A group that is another's source cannot go.
    fault(api.delete('%s/%s' % (SG, src['id'])), 400)

    for bad in (
            {'ip_protocol': 'tcp', 'from_port': 22, 'to_port': 22,
             'cidr': '10.0.0.0/33'},
            {'ip_protocol': 'gre', 'from_port': 1, 'to_port': 2},
            {'ip_protocol': 'tcp', 'from_port': 0, 'to_port': 22},
            {'ip_protocol': 'tcp', 'from_port': 80, 'to_port': 22},
            {'ip_protocol': 'tcp', 'from_port': 1, 'to_port': 65536},
            {'ip_protocol': 'icmp', 'from_port': 256, 'to_port': 0},
            {'ip_protocol': 'tcp', 'from_port': 'x', 'to_port': 22},
            {'ip_protocol': 'tcp', 'from_port': 22},
            {'ip_protocol': 'tcp', 'from_port': 22, 'to_port': 22,
             'cidr': '10.0.0.0/8', 'group_id': src['id']},
            {'ip_protocol': 'tcp', 'from_port': 22, 'to_port': 22,
             'bogus': 1},
            {'ip_protocol': 'tcp', 'from_port': 22, 'to_port': 22,
             'cidr': '10.1.0.0/16'}):
        fault(api.post(RULES, body={'security_group_rule': dict(
            parent_group_id=web['id'], **bad)}), 400)
    fault(api.post(RULES, body={'security_group_rule': {
        'parent_group_id': 99999, 'ip_protocol': 'tcp', 'from_port': 22,
        'to_port': 22}}), 404)
    fault(api.post(RULES, body={'security_group_rule': {
        'parent_group_id': web['id'], 'ip_protocol': 'tcp',
        'from_port': 22, 'to_port': 22, 'group_id': 99999}}), 404)
    fault(api.post(RULES, body={'nothing': {}}), 400)
    fault(api.post(RULES, body=b'{not json'), 400)

    resp = api.delete('%s/%s' % (RULES, ssh['id']))
    assert_matches('security_groups.delete_security_group_rule', resp)
    fault(api.delete('%s/%s' % (RULES, ssh['id'])), 404)
    fault(api.delete('%s/abc' % RULES), 404)


def test_quotas(cloud):  # noqa: F811
    admin = nimbus_context.get_admin_context()
    quota.QUOTAS.update_project_quota(admin, 'demo', 'security_groups', 2)
    quota.QUOTAS.update_project_quota(admin, 'demo', 'security_group_rules',
                                      1)
    web = _create_group(cloud.api, 'web')   # with default: 2
    fault(cloud.api.post(SG, body={'security_group': {
        'name': 'more', 'description': 'x'}}), 403)
    _add_rule(cloud.api, web['id'], ip_protocol='tcp', from_port=22,
              to_port=22)
    fault(cloud.api.post(RULES, body={'security_group_rule': {
        'parent_group_id': web['id'], 'ip_protocol': 'tcp',
        'from_port': 80, 'to_port': 80}}), 403)


def test_proxies_are_gone_after_2_35(cloud):  # noqa: F811
    fault(cloud.api.get(SG, headers=_version('2.36')), 404)
    fault(cloud.api.post(SG, body={'security_group': {
        'name': 'x', 'description': 'y'}}, headers=_version('2.36')), 404)
    fault(cloud.api.post(RULES, body={'security_group_rule': {
        'parent_group_id': 1}}, headers=_version('2.36')), 404)
    assert cloud.api.get(SG, headers=_version('2.35')).status_int == 200


def test_firewall_follows_rules_and_members(cloud):  # noqa: F811
    api = cloud.api
    web = _create_group(api, 'web')
    ssh = _add_rule(api, web['id'], ip_protocol='tcp', from_port=22,
                    to_port=22, cidr='0.0.0.0/0')
    db_group = _create_group(api, 'db')
    # db allows 5432 from members of web.
    _add_rule(api, db_group['id'], ip_protocol='tcp', from_port=5432,
              to_port=5432, group_id=web['id'])

    database = cloud.boot('database', security_groups=[{'name': 'db'}])
    cloud.wait_for_status(database, ('ACTIVE',))
    # Applied at build, before spawn; no web member yet: nothing from it.
    _wait_filter(cloud, database, [])
    resp = api.get('/v2.1/servers/%s' % database)
    assert resp.json_body_or_none['server']['security_groups'] == [
        {'name': 'db'}]

    web1 = cloud.boot('web1', security_groups=[{'name': 'web'}])
    cloud.wait_for_status(web1, ('ACTIVE',))
    ssh_rule = {'protocol': 'tcp', 'from_port': 22, 'to_port': 22,
                'cidr': '0.0.0.0/0'}
    _wait_filter(cloud, web1, [ssh_rule])
    web1_ip = _fixed(cloud, web1)
    # A new member of web: database's rules follow.
    _wait_filter(cloud, database, [{'protocol': 'tcp', 'from_port': 5432,
                                    'to_port': 5432,
                                    'cidr': '%s/32' % web1_ip}])

    # A rule added and removed reaches the members of the group.
    _add_rule(api, web['id'], ip_protocol='tcp', from_port=80,
              to_port=80, cidr='192.0.2.0/24')
    http_rule = {'protocol': 'tcp', 'from_port': 80, 'to_port': 80,
                 'cidr': '192.0.2.0/24'}
    _wait_filter(cloud, web1, [ssh_rule, http_rule])
    assert api.delete('%s/%s' % (RULES, ssh['id'])).status_int == 202
    _wait_filter(cloud, web1, [http_rule])

    # addSecurityGroup: database joins web; its own rules gain web's, and
    # database (now a web member) appears in its own db rule.
    action = '/v2.1/servers/%s/action' % database
    resp = api.post(action, body={'addSecurityGroup': {'name': 'web'}})
    assert resp.status_int == 202, resp.body
    database_ip = _fixed(cloud, database)
    _wait_filter(cloud, database, [
        http_rule,
        {'protocol': 'tcp', 'from_port': 5432, 'to_port': 5432,
         'cidr': '%s/32' % web1_ip},
        {'protocol': 'tcp', 'from_port': 5432, 'to_port': 5432,
         'cidr': '%s/32' % database_ip}])
    resp = api.get('/v2.1/servers/%s/os-security-groups' % database)
    assert resp.status_int == 200
    assert sorted(g['name'] for g in
                  resp.json_body_or_none['security_groups']) == ['db', 'web']
    assert_matches('security_groups.list_security_groups', resp)
    fault(api.post(action, body={'addSecurityGroup': {'name': 'web'}}), 400)
    fault(api.post(action, body={'addSecurityGroup': {'name': 'nope'}}),
          404)
    fault(api.post(action, body={'addSecurityGroup': {}}), 400)
    fault(api.post(action, body={'removeSecurityGroup': {'name': 'nope'}}),
          404)

    # web1 leaves web (removeSecurityGroup): database's rules drop it.
    resp = api.post('/v2.1/servers/%s/action' % web1,
                    body={'removeSecurityGroup': {'name': 'web'}})
    assert resp.status_int == 202
    _wait_filter(cloud, web1, [])
    _wait_filter(cloud, database, [
        http_rule, {'protocol': 'tcp', 'from_port': 5432, 'to_port': 5432,
                    'cidr': '%s/32' % database_ip}])
    fault(api.post('/v2.1/servers/%s/action' % web1,
                   body={'removeSecurityGroup': {'name': 'web'}}), 400)
    # A group in use cannot be deleted.
    fault(api.delete('%s/%s' % (SG, db_group['id'])), 400)

    # web1 back in web, then deleted: its filter goes, and its address
    # leaves database's rules.
    api.post('/v2.1/servers/%s/action' % web1,
             body={'addSecurityGroup': {'name': 'web'}})
    _wait_filter(cloud, database, [
        http_rule,
        {'protocol': 'tcp', 'from_port': 5432, 'to_port': 5432,
         'cidr': '%s/32' % web1_ip},
        {'protocol': 'tcp', 'from_port': 5432, 'to_port': 5432,
         'cidr': '%s/32' % database_ip}])
    assert api.delete('/v2.1/servers/%s' % web1).status_int == 204
    cloud.wait_for_status(web1, ('DELETED',))
    _wait_filter(cloud, web1, None)
    _wait_filter(cloud, database, [
        http_rule, {'protocol': 'tcp', 'from_port': 5432, 'to_port': 5432,
                    'cidr': '%s/32' % database_ip}])


def test_boot_with_unknown_group_is_400(cloud):  # noqa: F811
    body = {'server': {'name': 'x', 'imageRef': cloud.image['id'],
                       'flavorRef': '1', 'networks': 'auto',
                       'security_groups': [{'name': 'nope'}]}}
    fault(cloud.api.post('/v2.1/servers', body=body,
                         headers=_version('2.37')), 400)


def test_compute_restart_reapplies_filters(cloud):  # noqa: F811
    web = _create_group(cloud.api, 'web')
    _add_rule(cloud.api, web['id'], ip_protocol='tcp', from_port=22,
              to_port=22)
    server = cloud.boot('s', security_groups=[{'name': 'web'}])
    cloud.wait_for_status(server, ('ACTIVE',))
    expected = [{'protocol': 'tcp', 'from_port': 22, 'to_port': 22,
                 'cidr': '0.0.0.0/0'}]
    _wait_filter(cloud, server, expected)
    for svc in cloud.launcher.services:
        if getattr(svc, 'topic', None) == 'compute' and (
                server in svc.manager.firewall.filters):
            svc.manager.firewall.filters.clear()
            # An instance deleted while the host was down left its filter.
            svc.manager.firewall.filters['deleted-while-down'] = []
            svc.manager.init_host()
            assert svc.manager.firewall.filters == {server: expected}
            break
    else:
        pytest.fail('no compute host filters the server')


def test_filter_is_in_place_before_spawn(cloud, monkeypatch):  # noqa: F811
    from nimbus.virt import fake
    web = _create_group(cloud.api, 'web')
    _add_rule(cloud.api, web['id'], ip_protocol='tcp', from_port=22,
              to_port=22)
    seen = []
    real_spawn = fake.FakeDriver.spawn

    def spawn(self, context, instance, *args, **kwargs):
        seen.append([fw.filters.get(instance.uuid)
                     for fw in _firewalls(cloud)
                     if instance.uuid in fw.filters])
        return real_spawn(self, context, instance, *args, **kwargs)
    monkeypatch.setattr(fake.FakeDriver, 'spawn', spawn)
    server = cloud.boot('s', security_groups=[{'name': 'web'}])
    cloud.wait_for_status(server, ('ACTIVE',))
    assert seen == [[[{'protocol': 'tcp', 'from_port': 22, 'to_port': 22,
                       'cidr': '0.0.0.0/0'}]]]


def test_failed_build_removes_the_filter(cloud, monkeypatch):  # noqa: F811
    from nimbus.virt import fake

    def spawn(self, context, instance, *args, **kwargs):
        raise RuntimeError('no room for this guest')
    monkeypatch.setattr(fake.FakeDriver, 'spawn', spawn)
    server = cloud.boot('doomed')
    cloud.wait_for_status(server, ('ERROR',))
    assert all(server not in fw.filters for fw in _firewalls(cloud))
