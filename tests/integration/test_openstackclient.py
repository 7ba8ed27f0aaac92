"""Tenants' own tool against nimbus: python-openstackclient, run as a
subprocess, authenticated by a real Keystone, against the daemons as
separate processes over RabbitMQ and MariaDB (two compute hosts with the
fake driver)."""

import os
import time

import pytest

from tests.integration import daemons
from tests.integration import keystone as keystone_harness
from tests.integration.osc import run_openstack

COMPUTE_HOSTS = ('compute1', 'compute2')


@pytest.fixture
def keystone(tmp_path):
    ks = keystone_harness.Keystone(str(tmp_path / 'keystone'))
    ks.start()
    try:
        yield ks
    finally:
        ks.stop()


@pytest.fixture
def osc_cloud(request, tmp_path, rabbit_url, mysql_url, keystone):
    cloud = daemons.Cloud(tmp_path / 'nimbus', rabbit_url, mysql_url)
    image_port = cloud.image_port
    cloud.add_config('[DEFAULT]\ncompute_driver = fake.FakeDriver\n'
                     '[api]\nauth_strategy = keystone\n')
    cloud.add_config(keystone_harness.authtoken_conf(
        keystone.service_user()))
    keystone.register_endpoint(
        'compute', 'nimbus', 'http://127.0.0.1:%d/v2.1' % cloud.api_port)
    keystone.register_endpoint('image', 'nimbus-image',
                               'http://127.0.0.1:%d' % image_port)
    keystone.create_project('demo')
    keystone.create_user('alice', 'alice-pw', 'demo')
    keystone.create_project('other')
    keystone.create_user('bob', 'bob-pw', 'other')
    cloud.manage('db', 'sync')
    cloud.manage('flavor', 'create-defaults')
    cloud.manage('network', 'create', '--label', 'private',
                 '--fixed_range_v4', '10.0.0.0/24')
    try:
        cloud.start('conductor')
        cloud.start('network')
        for host in COMPUTE_HOSTS:
            cloud.start('compute', host=host)
        cloud.start('scheduler')
        cloud.start('api')
        cloud.wait_for_states({'nimbus-api': 'up', 'nimbus-scheduler': 'up',
                               'nimbus-conductor': 'up',
                               'nimbus-network': 'up'}, timeout=60)
        yield cloud
    finally:
        cloud.stop_all()
        if request.node.stash.get(_FAILED_KEY, False):
            for name in cloud.processes:
                print('==== nimbus-%s ====\n%s'
                      % (name, cloud.log(name)[-3000:]))


_FAILED_KEY = pytest.StashKey()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        item.stash[_FAILED_KEY] = True
    return report


def test_openstackclient_server_lifecycle(osc_cloud, keystone, tmp_path):
    alice = keystone.env_for('alice', 'alice-pw', 'demo')
    bob = keystone.env_for('bob', 'bob-pw', 'other')
    admin = keystone.admin_env()

    image_file = tmp_path / 'disk.qcow2'
    image_file.write_bytes(os.urandom(64 * 1024))
    image = run_openstack(alice, 'image', 'create', '--file',
                          str(image_file), '--disk-format', 'qcow2',
                          '--container-format', 'bare', 'cirros')
    assert image['status'] == 'active'

    flavors = {f['Name'] for f in run_openstack(alice, 'flavor', 'list')}
    assert {'m1.tiny', 'm1.small'} <= flavors

    private_key = run_openstack(alice, 'keypair', 'create', 'k1',
                                json=False)
    assert 'PRIVATE KEY-----' in private_key
    assert run_openstack(alice, 'keypair', 'show', 'k1')['name'] == 'k1'

    server = run_openstack(alice, 'server', 'create', '--image', 'cirros',
                           '--flavor', 'm1.tiny', '--key-name', 'k1',
                           '--wait', 'vm1', timeout=180)
    assert server['status'] == 'ACTIVE'
    assert server['addresses']['private'][0].startswith('10.0.0.')
    server_id = server['id']

    listed = run_openstack(alice, 'server', 'list')
    assert [s['Name'] for s in listed] == ['vm1']
    shown = run_openstack(alice, 'server', 'show', 'vm1')
    assert shown['id'] == server_id and shown['key_name'] == 'k1'

    for verb, status in (('reboot', 'ACTIVE'), ('stop', 'SHUTOFF'),
                         ('start', 'ACTIVE'), ('pause', 'PAUSED'),
                         ('unpause', 'ACTIVE'), ('suspend', 'SUSPENDED'),
                         ('resume', 'ACTIVE')):
        args = ['server', verb, 'vm1']
        if verb in ('reboot',):
            args.insert(2, '--wait')
        run_openstack(alice, *args, json=False)
        _wait_status(alice, 'vm1', status)

    console = run_openstack(alice, 'console', 'log', 'show', 'vm1',
                            json=False)
    assert isinstance(console, str)

    # server dump create (microversion 2.17): an NMI, which the guest's
    # kernel reports on its console.
    run_openstack(alice, '--os-compute-api-version', '2.17', 'server',
                  'dump', 'create', 'vm1', json=False)
    deadline = time.monotonic() + 30
    while 'NMI received' not in run_openstack(alice, 'console', 'log',
                                              'show', 'vm1', json=False):
        assert time.monotonic() < deadline, 'no NMI on the console'
        time.sleep(0.5)

    # Another project can neither see nor touch alice's server.
    result = run_openstack(bob, 'server', 'show', server_id, check=False)
    assert result.returncode != 0
    assert 'No Server found for %s' % server_id in result.stderr, (
        result.stderr)
    result = run_openstack(bob, 'server', 'delete', server_id, check=False)
    assert result.returncode != 0
    assert run_openstack(bob, 'server', 'list') == []

    # Multiple create spreads over the two compute hosts.
    run_openstack(alice, 'server', 'create', '--image', 'cirros',
                  '--flavor', 'm1.tiny', '--min', '2', '--max', '2',
                  '--wait', 'many', timeout=180)
    hosts = set()
    for row in run_openstack(admin, 'server', 'list', '--all-projects',
                             '--name', 'many', '--long'):
        assert row['Status'] == 'ACTIVE'
        hosts.add(row['Host'])
    assert hosts == set(COMPUTE_HOSTS)

    # A server group: members join with --hint group=, and the group
    # lists them.
    group = run_openstack(alice, 'server', 'group', 'create', '--policy',
                          'anti-affinity', 'spread')
    assert group['name'] == 'spread'
    run_openstack(alice, 'server', 'create', '--image', 'cirros',
                  '--flavor', 'm1.tiny', '--hint', 'group=%s' % group['id'],
                  '--wait', 'grouped', timeout=180)
    shown = run_openstack(alice, 'server', 'group', 'show', 'spread')
    grouped = run_openstack(alice, 'server', 'show', 'grouped')
    assert grouped['id'] in str(shown['members'])
    assert [g['Name'] for g in run_openstack(
        alice, 'server', 'group', 'list')] == ['spread']
    assert run_openstack(bob, 'server', 'group', 'list') == []

    run_openstack(alice, 'server', 'delete', '--wait', 'vm1', json=False,
                  timeout=180)
    names = {s['Name'] for s in run_openstack(alice, 'server', 'list')}
    assert 'vm1' not in names


def _wait_status(env, name, status, timeout=60):
    deadline = time.monotonic() + timeout
    current = None
    while time.monotonic() < deadline:
        current = run_openstack(env, 'server', 'show', name)['status']
        if current == status:
            return
        time.sleep(0.5)
    raise AssertionError('%s is %s, not %s' % (name, current, status))


def _compute(cloud, token, method, path, body=None):
    """A Compute API request at 2.1 with alice's token (for what
    python-openstackclient 10.5 only sends to Neutron, see below)."""
    import json
    import urllib.error
    import urllib.request
    req = urllib.request.Request(
        'http://127.0.0.1:%d/v2.1%s' % (cloud.api_port, path),
        method=method, data=json.dumps(body).encode() if body else None,
        headers={'X-Auth-Token': token, 'Content-Type': 'application/json',
                 'X-OpenStack-Nova-API-Version': '2.1'})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read()
            return resp.status, json.loads(text) if text else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_openstackclient_security_groups_and_floating_ips(osc_cloud,
                                                          keystone,
                                                          tmp_path):
    """python-openstackclient 10.5 sends `floating ip ...`, `security group
    ...` and `server add floating ip` to the network (Neutron) endpoint
    only; with nova-network, which has none in the catalog, those go
    through the Compute API as older clients sent them (OSC's own
    compute_v2 module: POST /os-floating-ips {pool}, POST
    /os-security-groups, POST /os-security-group-rules, at 2.1).
    `server add/remove security group` does use the Compute API: a
    lookup of the group by name (GET /os-security-groups/NAME, then the
    list) and the addSecurityGroup/removeSecurityGroup actions."""
    alice = keystone.env_for('alice', 'alice-pw', 'demo')
    bob = keystone.env_for('bob', 'bob-pw', 'other')
    osc_cloud.manage('floating', 'create', '--ip_range', '172.24.4.0/29',
                     '--pool', 'public')
    image_file = tmp_path / 'disk.qcow2'
    image_file.write_bytes(os.urandom(64 * 1024))
    run_openstack(alice, 'image', 'create', '--file', str(image_file),
                  '--disk-format', 'qcow2', '--container-format', 'bare',
                  'cirros')
    server = run_openstack(alice, 'server', 'create', '--image', 'cirros',
                           '--flavor', 'm1.tiny', '--wait', 'vm1',
                           timeout=180)
    fixed = server['addresses']['private'][0]
    token = run_openstack(alice, 'token', 'issue')['id']

    status, body = _compute(osc_cloud, token, 'POST', '/os-security-groups',
                            {'security_group': {'name': 'web',
                                                'description': 'web'}})
    assert status == 200, body
    group_id = body['security_group']['id']
    status, body = _compute(osc_cloud, token, 'POST',
                            '/os-security-group-rules',
                            {'security_group_rule': {
                                'parent_group_id': group_id,
                                'ip_protocol': 'tcp', 'from_port': 22,
                                'to_port': 22, 'cidr': '0.0.0.0/0'}})
    assert status == 200, body

    run_openstack(alice, 'server', 'add', 'security', 'group', 'vm1', 'web',
                  json=False)
    # The compute host re-applied the filter, with the rule read through
    # the conductor (compute nodes have no database).
    _wait_for_log(osc_cloud, ['compute@%s' % host for host in COMPUTE_HOSTS],
                  'Filter of %s applied: 1 rule(s)' % server['id'])
    shown = run_openstack(alice, 'server', 'show', 'vm1')
    assert sorted(g['name'] for g in shown['security_groups']) == [
        'default', 'web']
    # Bob's project has no group 'web': the lookup fails, nothing changes.
    result = run_openstack(bob, 'server', 'add', 'security', 'group', 'vm1',
                           'web', check=False)
    assert result.returncode != 0

    status, body = _compute(osc_cloud, token, 'POST', '/os-floating-ips',
                            {'pool': 'public'})
    assert status == 200, body
    floating = body['floating_ip']['ip']
    status, body = _compute(osc_cloud, token, 'POST',
                            '/servers/%s/action' % server['id'],
                            {'addFloatingIp': {'address': floating}})
    assert status == 202, body
    shown = run_openstack(alice, 'server', 'show', 'vm1')
    assert shown['addresses']['private'] == [fixed, floating]

    run_openstack(alice, 'server', 'remove', 'security', 'group', 'vm1',
                  'web', json=False)
    shown = run_openstack(alice, 'server', 'show', 'vm1')
    assert [g['name'] for g in shown['security_groups']] == ['default']

    status, body = _compute(osc_cloud, token, 'GET', '/os-floating-ips')
    assert [f['ip'] for f in body['floating_ips']] == [floating]
    status, _ = _compute(osc_cloud, token, 'DELETE', '/os-floating-ips/%s'
                         % body['floating_ips'][0]['id'])
    assert status == 202
    shown = run_openstack(alice, 'server', 'show', 'vm1')
    assert shown['addresses']['private'] == [fixed]


def _wait_for_log(cloud, names, text, timeout=30):
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(text in cloud.log(name) for name in names):
            return
        time.sleep(0.5)
    raise AssertionError('%r in none of the logs of %s' % (text, names))
