"""/os-services, /os-availability-zone, /os-hypervisors and /os-hosts:
admin views of the services and compute nodes, state from heartbeats."""

import datetime
import json

import pytest
from oslo_utils import timeutils

from nimbus import context as nimbus_context
from nimbus import objects
from tests.functional.api.resource_fixtures import admin  # noqa: F401
from tests.functional.api.resource_fixtures import alice  # noqa: F401
from tests.functional.api.resource_fixtures import db  # noqa: F401
from tests.functional.api.resource_fixtures import fault
from tests.functional.api.resource_fixtures import version  # noqa: F401
from tests.functional.api.schema_check import assert_matches
from tests.functional.api.test_quota_sets import add_instance

V = '/v2.1'


@pytest.fixture
def cloud(db):  # noqa: F811
    """Two compute hosts (cn1 up in zone az1, cn2 down), a scheduler."""
    ctx = nimbus_context.get_admin_context()
    now = timeutils.utcnow()
    made = {}
    for host, binary, topic, zone, seen in (
            ('cn1', 'nimbus-compute', 'compute', 'az1', now),
            ('cn2', 'nimbus-compute', 'compute', None,
             now - datetime.timedelta(hours=1)),
            ('ctl', 'nimbus-scheduler', 'scheduler', None, now)):
        service = objects.Service(ctx, host=host, binary=binary, topic=topic,
                                  availability_zone=zone, last_seen_up=seen)
        service.create()
        made[host] = service
    for index, host in enumerate(('cn1', 'cn2')):
        objects.ComputeNode(
            ctx, service_id=made[host].id, host=host,
            hypervisor_hostname='%s.example' % host,
            hypervisor_type='QEMU', hypervisor_version=7002000,
            vcpus=8, memory_mb=16384, local_gb=100, vcpus_used=2,
            memory_mb_used=2048, local_gb_used=10, running_vms=1,
            host_ip='192.0.2.%d' % (index + 1),
            cpu_info=json.dumps({'arch': 'x86_64'})).create()
    add_instance('p1', host='cn1')
    return made


def test_services_list_and_filters(admin, cloud, version):  # noqa: F811
    resp = admin.get(V + '/os-services')
    assert_matches('services.list_services', resp)
    services = {s['host']: s for s in resp.json_body_or_none['services']}
    assert services['cn1']['state'] == 'up'
    assert services['cn2']['state'] == 'down'
    assert services['cn1']['zone'] == 'az1'
    assert services['cn2']['zone'] == 'nimbus'
    assert services['ctl']['zone'] == 'internal'
    assert services['cn1']['status'] == 'enabled'
    assert ('forced_down' in services['cn1']) == (version != '2.1')

    def hosts(query):
        return [s['host'] for s in admin.get(
            V + '/os-services?' + query).json_body_or_none['services']]
    assert hosts('host=cn1') == ['cn1']
    assert hosts('binary=nimbus-scheduler') == ['ctl']
    assert hosts('host=nope') == []


def test_enable_disable(admin, cloud):  # noqa: F811
    body = {'host': 'cn1', 'binary': 'nimbus-compute'}
    resp = admin.put(V + '/os-services/disable', body=body)
    assert_matches('services.enable_disable_service', resp)
    assert resp.json_body_or_none['service']['status'] == 'disabled'
    resp = admin.put(V + '/os-services/disable-log-reason',
                     body=dict(body, disabled_reason='maintenance'))
    assert_matches('services.disable_log_reason', resp)
    listed = admin.get(V + '/os-services?host=cn1').json_body_or_none
    assert listed['services'][0]['disabled_reason'] == 'maintenance'
    assert listed['services'][0]['status'] == 'disabled'
    resp = admin.put(V + '/os-services/enable', body=body)
    assert_matches('services.enable_disable_service', resp)
    assert admin.get(V + '/os-services?host=cn1').json_body_or_none[
        'services'][0]['disabled_reason'] is None
    fault(admin.put(V + '/os-services/disable-log-reason', body=body), 400)
    fault(admin.put(V + '/os-services/enable',
                    body={'host': 'nope', 'binary': 'nimbus-compute'}), 404)
    fault(admin.put(V + '/os-services/reboot', body=body), 404)
    fault(admin.put(V + '/os-services/enable', body={'host': 'cn1'}), 400)
    fault(admin.put(V + '/os-services/enable', body=dict(body, x=1)), 400)


def test_force_down_from_2_11(admin, cloud, version):  # noqa: F811
    body = {'host': 'cn1', 'binary': 'nimbus-compute', 'forced_down': True}
    resp = admin.put(V + '/os-services/force-down', body=body)
    if version == '2.1':
        fault(resp, 400)
        return
    assert_matches('services.update_forced_down', resp)
    listed = admin.get(V + '/os-services?host=cn1').json_body_or_none
    assert listed['services'][0]['state'] == 'down'
    assert listed['services'][0]['forced_down'] is True
    admin.put(V + '/os-services/force-down',
              body=dict(body, forced_down=False))
    assert admin.get(V + '/os-services?host=cn1').json_body_or_none[
        'services'][0]['state'] == 'up'
    fault(admin.put(V + '/os-services/force-down',
                    body={'host': 'cn1', 'binary': 'nimbus-compute'}), 400)


def test_delete_service(admin, cloud):  # noqa: F811
    resp = admin.delete(V + '/os-services/%d' % cloud['cn2'].id)
    assert resp.status_int == 204
    assert 'cn2' not in [s['host'] for s in admin.get(
        V + '/os-services').json_body_or_none['services']]
    # Its compute node went with it.
    assert [h['hypervisor_hostname'] for h in admin.get(
        V + '/os-hypervisors').json_body_or_none['hypervisors']] == [
        'cn1.example']
    fault(admin.delete(V + '/os-services/%d' % cloud['cn2'].id), 404)
    fault(admin.delete(V + '/os-services/abc'), 404)


def test_availability_zones(alice, admin, cloud):  # noqa: F811
    resp = alice.get(V + '/os-availability-zone')
    assert_matches('availability_zone.list_availability_zone_list', resp)
    assert resp.json_body_or_none['availabilityZoneInfo'] == [
        {'zoneName': 'az1', 'zoneState': {'available': True}, 'hosts': None},
        {'zoneName': 'nimbus', 'zoneState': {'available': True},
         'hosts': None}]
    resp = admin.get(V + '/os-availability-zone/detail')
    assert_matches('availability_zone.list_availability_zone_list_detail',
                   resp)
    zones = {z['zoneName']: z for z in
             resp.json_body_or_none['availabilityZoneInfo']}
    assert zones['internal']['hosts']['ctl']['nimbus-scheduler'][
        'available'] is True
    assert zones['nimbus']['hosts']['cn2']['nimbus-compute'][
        'available'] is False
    fault(alice.get(V + '/os-availability-zone/detail'), 403)


def test_hypervisors(admin, cloud, version):  # noqa: F811
    resp = admin.get(V + '/os-hypervisors')
    assert_matches('hypervisors.list_search_hypervisors', resp)
    listed = resp.json_body_or_none['hypervisors']
    assert [(h['hypervisor_hostname'], h['state'], h['status'])
            for h in listed] == [('cn1.example', 'up', 'enabled'),
                                 ('cn2.example', 'down', 'enabled')]
    resp = admin.get(V + '/os-hypervisors/detail')
    assert_matches('hypervisors.list_hypervisors_detail', resp)
    first = resp.json_body_or_none['hypervisors'][0]
    assert first['free_ram_mb'] == 14336 and first['host_ip'] == '192.0.2.1'
    assert first['service']['host'] == 'cn1'
    expected_cpu = ({'arch': 'x86_64'} if version != '2.1'
                    else json.dumps({'arch': 'x86_64'}))
    assert first['cpu_info'] == expected_cpu
    resp = admin.get(V + '/os-hypervisors/%s' % listed[0]['id'])
    assert_matches('hypervisors.get_hypervisor', resp)
    fault(admin.get(V + '/os-hypervisors/9999'), 404)
    fault(admin.get(V + '/os-hypervisors/abc'), 404)
    resp = admin.get(V + '/os-hypervisors/statistics')
    assert_matches('hypervisors.get_hypervisor_statistics', resp)
    stats = resp.json_body_or_none['hypervisor_statistics']
    assert stats['count'] == 2 and stats['vcpus'] == 16
    assert stats['memory_mb_used'] == 4096
    resp = admin.get(V + '/os-hypervisors/cn1/search')
    assert_matches('hypervisors.list_search_hypervisors', resp)
    assert len(resp.json_body_or_none['hypervisors']) == 1
    fault(admin.get(V + '/os-hypervisors/zzz/search'), 404)
    resp = admin.get(V + '/os-hypervisors/example/servers')
    assert_matches('hypervisors.get_hypervisors_servers', resp)
    hypervisors = resp.json_body_or_none['hypervisors']
    assert len(hypervisors[0]['servers']) == 1
    assert 'servers' not in hypervisors[1]
    fault(admin.get(V + '/os-hypervisors/zzz/servers'), 404)


def test_hypervisor_paging_from_2_33(admin, cloud, version):  # noqa: F811
    resp = admin.get(V + '/os-hypervisors/detail?limit=1')
    if version == '2.1':
        assert len(resp.json_body_or_none['hypervisors']) == 2
        return
    assert_matches('hypervisors.list_hypervisors_detail', resp)
    body = resp.json_body_or_none
    assert len(body['hypervisors']) == 1
    marker = body['hypervisors'][0]['id']
    assert 'marker=%s' % marker in body['hypervisors_links'][0]['href']
    resp = admin.get(V + '/os-hypervisors?limit=1&marker=%s' % marker)
    assert [h['hypervisor_hostname'] for h in
            resp.json_body_or_none['hypervisors']] == ['cn2.example']
    fault(admin.get(V + '/os-hypervisors?marker=9999'), 400)
    fault(admin.get(V + '/os-hypervisors?limit=-1'), 400)


def test_hosts(admin, cloud):  # noqa: F811
    resp = admin.get(V + '/os-hosts')
    assert_matches('hosts.list_hosts', resp)
    assert {(h['host_name'], h['service']) for h in
            resp.json_body_or_none['hosts']} == {
        ('cn1', 'compute'), ('cn2', 'compute'), ('ctl', 'scheduler')}
    assert [h['host_name'] for h in admin.get(
        V + '/os-hosts?zone=az1').json_body_or_none['hosts']] == ['cn1']
    resp = admin.get(V + '/os-hosts/cn1')
    assert_matches('hosts.get_host_detail', resp)
    resources = [r['resource'] for r in resp.json_body_or_none['host']]
    assert resources[0]['project'] == '(total)' and resources[0]['cpu'] == 8
    assert resources[-1]['project'] == 'p1'
    fault(admin.get(V + '/os-hosts/nope'), 404)


@pytest.mark.parametrize('path', [
    '/os-services', '/os-hypervisors', '/os-hypervisors/detail',
    '/os-hypervisors/statistics', '/os-hypervisors/1',
    '/os-hypervisors/cn1/search', '/os-hypervisors/cn1/servers',
    '/os-hosts', '/os-hosts/cn1'])
def test_admin_only(alice, cloud, path):  # noqa: F811
    fault(alice.get(V + path), 403)


def test_admin_only_updates(alice, cloud):  # noqa: F811
    fault(alice.put(V + '/os-services/disable',
                    body={'host': 'cn1', 'binary': 'nimbus-compute'}), 403)
    fault(alice.delete(V + '/os-services/%d' % cloud['cn1'].id), 403)
