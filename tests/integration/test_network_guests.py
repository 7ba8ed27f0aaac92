"""Issue 5 end to end: real guests on a FlatDHCP network made by the Linux
network driver, with floating IPs, security groups and the metadata API.

The whole cloud lives in network namespaces the test makes:

- the *cloud* namespace (tests/integration/libvirt_env.py): libvirtd, the
  bridge br100 (10.0.0.1/24, the network's gateway), nimbus-network
  (``network_driver = linux_net``, its dnsmasq and nimbus-dhcpbridge),
  nimbus-compute (libvirt, QEMU/TCG, the iptables firewall) and nimbus-api
  (Compute, image and metadata APIs). RabbitMQ, MariaDB and Keystone of the
  root namespace are relayed in; the Compute and image APIs are relayed
  out, so that python-openstackclient and the REST calls of this module
  reach them on 127.0.0.1 as the Keystone catalog says.
- an *outside* namespace on a veth to ``pub0``, the public interface
  (203.0.113.0/24): a machine on the Internet side of the floating IPs.

nimbus-conductor and nimbus-scheduler run in the root namespace. Two
guests are booted once for the module: ``web1`` (project demo, a keypair,
user-data that prints its authorized_keys and starts busybox httpd on
8080) and ``spy1`` (project rival, user-data that asks the metadata
service for web1's data with a forged X-Forwarded-For). The tests run in
file order; the last one deletes both guests and checks what is left on
the host.

python-openstackclient no longer speaks nova-network (its floating IP and
security group commands are Neutron-only), so those go over REST.
"""

import ipaddress
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse

import pymysql
import pytest
import requests

from tests import guest_image
from tests.integration import backends
from tests.integration import daemons
from tests.integration import keystone as keystone_harness
from tests.integration import libvirt_env
from tests.integration.module_fixtures import keystone  # noqa: F401
from tests.integration.module_fixtures import mysql_url  # noqa: F401
from tests.integration.module_fixtures import rabbit_url  # noqa: F401
from tests.integration.network import netns
from tests.integration.osc import run_openstack

HOST = 'netnode'
FIXED_RANGE = '10.0.0.0/24'
GATEWAY = '10.0.0.1'
METADATA_PORT = 8775
PUBLIC_HOST = '203.0.113.1'
OUTSIDE = '203.0.113.2'
FLOATING_RANGE = '203.0.113.16/29'
POOL = 'public'
WEB_PORT = 8080
BOOT_TIMEOUT = 240
# How long a change made through the API may take to reach iptables.
CHANGE_TIMEOUT = 30

WEB_USER_DATA = '''#!/bin/sh
echo "e2e-authorized-keys: $(cat /root/.ssh/authorized_keys)"
mkdir -p /www
echo "nimbus-web web1" >/www/index.html
httpd -p %d -h /www && echo "e2e-httpd: started"
''' % WEB_PORT

SPY_USER_DATA = '''#!/bin/sh
md=http://169.254.169.254/latest/meta-data
echo "e2e-own-id: $(wget -q -O - $md/instance-id)"
echo "e2e-forged-id: $(wget -q -O - --header 'X-Forwarded-For: %(web)s' \
$md/instance-id)"
echo "e2e-forged-key: $(wget -q -O - --header 'X-Forwarded-For: %(web)s' \
$md/public-keys/0/openssh-key)"
echo "e2e-done"
'''


def normalized_iptables(lv):
    """iptables-save of the cloud namespace without counters and
    comments."""
    out = subprocess.run(lv.wrap(['iptables-save']), capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return [re.sub(r'\[\d+:\d+\]', '[0:0]', line)
            for line in out.splitlines() if not line.startswith('#')]


def addresses_of(server):
    """IPv4 addresses in the ``addresses`` of `server show` (a dict or a
    string, depending on the client's version)."""
    text = str(server.get('addresses'))
    return re.findall(r'\b\d+\.\d+\.\d+\.\d+\b', text)


def public_key():
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.hazmat.primitives import serialization
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH).decode() + \
        ' e2e@nimbus'


class ComputeREST:
    """Compute API calls python-openstackclient cannot make
    (nova-network proxies), with a project-scoped Keystone token."""

    def __init__(self, keystone, user, password, project, url):
        self.keystone = keystone
        self.credentials = (user, password, project)
        self.url = url
        self._token = None

    def request(self, method, path, body=None, ok=(200, 201, 202, 204)):
        if self._token is None:
            self._token = self.keystone.token(*self.credentials)
        resp = requests.request(method, self.url + path, json=body,
                                headers={'X-Auth-Token': self._token},
                                timeout=60)
        if resp.status_code not in ok:
            raise AssertionError('%s %s: %s %s' % (
                method, path, resp.status_code, resp.text[:2000]))
        return resp.json() if resp.content else None

    def action(self, server_id, name, body):
        return self.request('POST', '/servers/%s/action' % server_id,
                            {name: body})

    def security_group(self, name):
        groups = self.request('GET', '/os-security-groups')[
            'security_groups']
        return next(g for g in groups if g['name'] == name)


class NetCloud:
    def __init__(self, cloud, lv, outside, keystone, envs, rest,
                 networks_path, db_name):
        self.cloud = cloud
        self.lv = lv
        self.outside = outside
        self.keystone = keystone
        self.envs = envs
        self.rest = rest
        self.networks_path = networks_path
        self.db_name = db_name
        self.baseline = None
        self.servers = {}

    def start_network(self):
        return self.cloud.start('network', wrap=self.lv.wrap)

    def server(self, project, name):
        return run_openstack(self.envs[project], 'server', 'show', name)

    def console(self, project, name):
        return run_openstack(self.envs[project], 'console', 'log', 'show',
                             name, json=False).replace('\r', '')

    def wait_console(self, project, name, marker,
                     timeout=BOOT_TIMEOUT):
        deadline = time.monotonic() + timeout
        text = ''
        while time.monotonic() < deadline:
            self.cloud.assert_running()
            text = self.console(project, name)
            if marker in text:
                return text
            time.sleep(2)
        raise AssertionError('%r not in the console of %s within %ss:\n%s'
                             % (marker, name, timeout, text[-4000:]))

    def ec2_id(self, server_id):
        """i-XXXXXXXX of an instance, from the database's mapping."""
        conn = pymysql.connect(database=self.db_name, **backends.MYSQL)
        try:
            with conn.cursor() as cur:
                cur.execute('SELECT id FROM ec2_instances WHERE uuid = %s',
                            (server_id,))
                row = cur.fetchone()
        finally:
            conn.close()
        assert row, 'no EC2 id mapping for %s' % server_id
        return 'i-%08x' % row[0]

    def hosts_file(self):
        path = os.path.join(self.networks_path,
                            'nimbus-%s.hosts' % self.lv.bridge)
        with open(path) as f:
            return f.read()

    def web(self, address, timeout=3):
        """Body of http://address:WEB_PORT/ fetched from the outside
        namespace, or None when nothing answers."""
        code = ('import sys, urllib.request\n'
                'try:\n'
                '    r = urllib.request.urlopen(%r, timeout=%r)\n'
                '    print(r.read().decode().strip())\n'
                'except Exception as e:\n'
                '    print("error", e); sys.exit(1)\n'
                % ('http://%s:%d/' % (address, WEB_PORT), timeout))
        done = self.outside.exec(sys.executable, '-c', code, check=False,
                                 timeout=timeout + 30)
        return done.stdout.strip() if done.returncode == 0 else None

    def wait_web(self, address, reachable, timeout=CHANGE_TIMEOUT):
        """Wait until the guest's web server is (or is not) reachable at
        ``address`` from outside; fail with what was seen otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            body = self.web(address)
            if (body is not None) == reachable:
                return body
            if time.monotonic() > deadline:
                raise AssertionError('%s:%d still %s after %ss (%r)' % (
                    address, WEB_PORT,
                    'unreachable' if reachable else 'reachable', timeout,
                    body))
            time.sleep(1)


@pytest.fixture(scope='module')
def image_files(tmp_path_factory):
    return guest_image.build_image(
        str(tmp_path_factory.mktemp('guest-image'))).path


def _own_libvirt_env(workdir, attempts=10):
    """A LibvirtEnv with a libvirtd of its own: the cloud needs its own
    namespace. A libvirtd of another run seen just after taking the lock
    (one on its way out) is waited for."""
    for _ in range(attempts):
        lv = libvirt_env.LibvirtEnv(workdir)
        lv.__enter__()
        if not lv.foreign_pid:
            return lv
        pid = lv.foreign_pid
        lv.close()
        deadline = time.monotonic() + 60
        while os.path.exists('/proc/%d' % pid) and \
                time.monotonic() < deadline:
            time.sleep(1)
    raise AssertionError('a libvirtd this test did not start keeps running '
                         '(PID %s): the cloud needs its own namespace' % pid)


@pytest.fixture(scope='module')
def netcloud(request, tmp_path_factory, keystone, rabbit_url, mysql_url,
             image_files):
    assert os.geteuid() == 0, 'these tests run as root'
    workdir = tmp_path_factory.mktemp('nimbus')
    lv = _own_libvirt_env(str(tmp_path_factory.mktemp('libvirt')))
    outside = None
    instances_path = libvirt_env.instances_dir()
    # dnsmasq drops root and re-reads its hosts file as nobody on every
    # change: the whole path must be open to it (pytest's are 0700).
    networks_path = libvirt_env.instances_dir()
    cloud = daemons.Cloud(workdir, rabbit_url, mysql_url, host=HOST)
    failed_before = request.session.testsfailed
    try:
        outside = netns.Namespace('out')
        netns.veth(lv.netns, 'pub0', outside, 'eth0')
        lv.ip('addr', 'add', PUBLIC_HOST + '/24', 'dev', 'pub0')
        outside.ip('addr', 'add', OUTSIDE + '/24', 'dev', 'eth0')

        cloud.add_config(
            '[DEFAULT]\n'
            'compute_driver = libvirt.LibvirtDriver\n'
            'instances_path = %(instances)s\n'
            'sync_power_state_interval = 600\n'
            'image_cache_manager_interval = 0\n'
            'shutdown_timeout = 10\n'
            'network_manager = nimbus.network.manager.FlatDHCPManager\n'
            'network_driver = nimbus.network.linux_net\n'
            'firewall_driver = '
            'nimbus.virt.iptables_firewall.IptablesFirewallDriver\n'
            'public_interface = pub0\n'
            'routing_source_ip = %(public)s\n'
            'metadata_host = %(gateway)s\n'
            'metadata_port = %(md_port)d\n'
            'metadata_listen = %(gateway)s\n'
            'metadata_listen_port = %(md_port)d\n'
            'networks_path = %(networks)s\n'
            'force_dhcp_release = true\n'
            'default_floating_pool = %(pool)s\n'
            '[libvirt]\nvirt_type = qemu\n'
            '[api]\nauth_strategy = keystone\nuse_forwarded_for = false\n'
            % {'instances': instances_path, 'networks': networks_path,
               'public': PUBLIC_HOST,
               'gateway': GATEWAY, 'md_port': METADATA_PORT, 'pool': POOL})
        cloud.add_config(keystone_harness.authtoken_conf(
            keystone.service_user()))
        compute_url = 'http://127.0.0.1:%d/v2.1' % cloud.api_port
        keystone.register_endpoint('compute', 'nimbus', compute_url)
        keystone.register_endpoint('image', 'nimbus-image',
                                   'http://127.0.0.1:%d' % cloud.image_port)
        envs, rest = {}, {}
        for project, user in (('demo', 'alice'), ('rival', 'bob')):
            keystone.create_project(project)
            keystone.create_user(user, user + '-pw', project)
            envs[project] = keystone.env_for(user, user + '-pw', project)
            rest[project] = ComputeREST(keystone, user, user + '-pw',
                                        project, compute_url)

        cloud.manage('db', 'sync')
        cloud.manage('flavor', 'create-defaults')
        cloud.manage('network', 'create', '--label', 'private',
                     '--fixed_range_v4', FIXED_RANGE, '--bridge', lv.bridge)
        cloud.manage('floating', 'create', '--ip_range', FLOATING_RANGE,
                     '--pool', POOL)

        # Into the cloud namespace: RabbitMQ, MariaDB, Keystone; out of
        # it: the Compute and image APIs.
        for url in (rabbit_url, mysql_url, keystone.url):
            lv.relay(urllib.parse.urlsplit(url).port)
        cloud.start('conductor')
        cloud.start('scheduler')
        cloud.start('api', wrap=lv.wrap)
        cloud.start('network', wrap=lv.wrap)
        cloud.start('compute', wrap=lv.wrap)
        cloud.wait_for_states({'nimbus-api': 'up', 'nimbus-scheduler': 'up',
                               'nimbus-conductor': 'up',
                               'nimbus-network': 'up',
                               'nimbus-compute': 'up'}, timeout=120)
        lv.expose(cloud.api_port)
        lv.expose(cloud.image_port)
        for env in envs.values():
            _upload_ami(env, image_files)
        result = NetCloud(cloud, lv, outside, keystone, envs, rest,
                          networks_path, mysql_url.rsplit('/', 1)[1]
                          .split('?')[0])
        result.baseline = normalized_iptables(lv)
        yield result
    finally:
        try:
            cloud.stop_all()
        finally:
            if request.session.testsfailed > failed_before:
                for name in cloud.processes:
                    print('==== nimbus-%s ====\n%s' % (
                        name, cloud.log(name)[-8000:]))
                print('==== libvirtd ====\n%s' % lv.log('libvirtd'))
            try:
                if lv.owns_libvirtd:
                    lv.remove_domains()
            finally:
                # dnsmasq and nimbus-dhcpbridge run in the namespace; by
                # PID, before it goes.
                for pid in netns.run(['ip', 'netns', 'pids', lv.netns],
                                     check=False).stdout.split():
                    if int(pid) not in [p.pid for p in lv._procs]:
                        try:
                            os.kill(int(pid), 9)
                        except ProcessLookupError:
                            pass
                lv.close()
                if outside is not None:
                    outside.close()
                shutil.rmtree(instances_path, ignore_errors=True)
                shutil.rmtree(networks_path, ignore_errors=True)


def _upload_ami(env, image_dir):
    """The guest as kernel, ramdisk and disk images of the project
    (images are private to it)."""
    def create(name, path, disk_format, *props):
        args = ['image', 'create', '--file', os.path.join(image_dir, path),
                '--disk-format', disk_format, '--container-format',
                'bare' if disk_format == 'qcow2' else disk_format]
        for prop in props:
            args += ['--property', prop]
        return run_openstack(env, *(args + [name]))['id']

    kernel = create('guest-kernel', 'vmlinuz', 'aki')
    ramdisk = create('guest-ramdisk', 'initrd.img', 'ari')
    create('guest-ami', 'disk.qcow2', 'qcow2', 'kernel_id=%s' % kernel,
           'ramdisk_id=%s' % ramdisk, 'os_command_line=quiet')


def _create_server(netcloud, project, name, user_data, key_name=None):
    path = os.path.join(netcloud.cloud.workdir, '%s.user-data' % name)
    with open(path, 'w') as f:
        f.write(user_data)
    args = ['server', 'create', '--image', 'guest-ami', '--flavor',
            'm1.tiny', '--user-data', path]
    if key_name:
        args += ['--key-name', key_name]
    return run_openstack(netcloud.envs[project], *(args + [name]))


def _wait_active(netcloud, project, name, timeout=BOOT_TIMEOUT):
    deadline = time.monotonic() + timeout
    server = None
    while time.monotonic() < deadline:
        netcloud.cloud.assert_running()
        server = netcloud.server(project, name)
        if server['status'] in ('ACTIVE', 'ERROR'):
            break
        time.sleep(1)
    assert server and server['status'] == 'ACTIVE', server
    return server


@pytest.fixture(scope='module')
def guests(netcloud):
    """web1 (demo) and spy1 (rival), booted and done with user-data."""
    key = public_key()
    key_file = os.path.join(netcloud.cloud.workdir, 'key.pub')
    with open(key_file, 'w') as f:
        f.write(key + '\n')
    run_openstack(netcloud.envs['demo'], 'keypair', 'create',
                  '--public-key', key_file, 'e2e-key')
    _create_server(netcloud, 'demo', 'web1', WEB_USER_DATA, 'e2e-key')
    web = _wait_active(netcloud, 'demo', 'web1')
    web_ip = addresses_of(web)[0]
    _create_server(netcloud, 'rival', 'spy1', SPY_USER_DATA % {
        'web': web_ip})
    spy = _wait_active(netcloud, 'rival', 'spy1')
    netcloud.servers = {'web1': web, 'spy1': spy}
    consoles = {
        'web1': netcloud.wait_console('demo', 'web1',
                                      guest_image.MARKER_READY),
        'spy1': netcloud.wait_console('rival', 'spy1',
                                      guest_image.MARKER_READY),
    }
    return {'key': key, 'web': web, 'spy': spy, 'consoles': consoles}


def test_flat_dhcp_guest_gets_its_address_metadata_key_and_user_data(
        netcloud, guests):
    web = guests['web']
    fixed = addresses_of(web)
    assert len(fixed) == 1, web
    assert ipaddress.ip_address(fixed[0]) in ipaddress.ip_network(
        FIXED_RANGE)
    console = guests['consoles']['web1']
    # The address dnsmasq handed out is exactly the one nimbus allocated.
    leases = re.findall(r'^nimbus-guest: ip (\S+) dev eth0$', console,
                        re.M)
    assert leases == ['%s/24' % fixed[0]], console[-3000:]
    ec2_id = netcloud.ec2_id(web['id'])
    assert re.search(r'^nimbus-guest: metadata instance-id=%s hostname=web1'
                     % ec2_id, console, re.M), console[-3000:]
    assert 'e2e-authorized-keys: %s' % guests['key'] in console, \
        console[-3000:]
    assert 'e2e-httpd: started' in console
    assert 'nimbus-guest: user-data ran rc=0' in console
    # The instance's own console stays apart from the other guest's.
    spy = guests['consoles']['spy1']
    assert re.search(r'^nimbus-guest: ip %s/24 dev eth0$'
                     % addresses_of(guests['spy'])[0], spy, re.M)


def _open_web_port(netcloud, project='demo'):
    group = netcloud.rest[project].security_group('default')
    rule = netcloud.rest[project].request(
        'POST', '/os-security-group-rules', {'security_group_rule': {
            'parent_group_id': group['id'], 'ip_protocol': 'tcp',
            'from_port': WEB_PORT, 'to_port': WEB_PORT,
            'cidr': '0.0.0.0/0'}})['security_group_rule']
    return rule['id']


def _close_web_port(netcloud, rule_id, project='demo'):
    netcloud.rest[project].request('DELETE',
                                   '/os-security-group-rules/%s' % rule_id)


def _allocate_floating(netcloud, project='demo'):
    return netcloud.rest[project].request(
        'POST', '/os-floating-ips', {'pool': POOL})['floating_ip']


def test_floating_ip_reaches_the_guest_until_removed(netcloud, guests):
    rest = netcloud.rest['demo']
    web = guests['web']
    floating = _allocate_floating(netcloud)
    address = floating['ip']
    assert ipaddress.ip_address(address) in ipaddress.ip_network(
        FLOATING_RANGE)
    rule_id = _open_web_port(netcloud)
    try:
        # Allocated but not associated: nothing answers there.
        assert netcloud.web(address) is None
        rest.action(web['id'], 'addFloatingIp', {'address': address})
        assert netcloud.wait_web(address, True) == 'nimbus-web web1'
        server = netcloud.server('demo', 'web1')
        assert address in addresses_of(server), server
        rest.action(web['id'], 'removeFloatingIp', {'address': address})
        netcloud.wait_web(address, False)
        assert address not in addresses_of(netcloud.server('demo', 'web1'))
    finally:
        _close_web_port(netcloud, rule_id)
        rest.request('DELETE', '/os-floating-ips/%s' % floating['id'])


def test_security_group_rule_opens_and_closes_the_port(netcloud, guests):
    rest = netcloud.rest['demo']
    web = guests['web']
    floating = _allocate_floating(netcloud)
    address = floating['ip']
    rest.action(web['id'], 'addFloatingIp', {'address': address})
    try:
        # The floating IP is set up when addFloatingIp returns...
        assert '-A nimbus-PREROUTING -d %s/32 -j DNAT --to-destination ' \
            '%s' % (address, addresses_of(web)[0]) in \
            normalized_iptables(netcloud.lv)
        # ...but the default group has no rule for the port: closed.
        for _ in range(3):
            assert netcloud.web(address) is None
            time.sleep(1)
        rule_id = _open_web_port(netcloud)
        try:
            assert netcloud.wait_web(address, True) == 'nimbus-web web1'
        finally:
            _close_web_port(netcloud, rule_id)
        netcloud.wait_web(address, False)
        # And the floating IP itself still works: the rule was the gate.
        rule_id = _open_web_port(netcloud)
        try:
            assert netcloud.wait_web(address, True) == 'nimbus-web web1'
        finally:
            _close_web_port(netcloud, rule_id)
        netcloud.wait_web(address, False)
    finally:
        rest.action(web['id'], 'removeFloatingIp', {'address': address})
        rest.request('DELETE', '/os-floating-ips/%s' % floating['id'])


def test_metadata_of_another_project_cannot_be_read(netcloud, guests):
    web, spy = guests['web'], guests['spy']
    assert web['project_id'] != spy['project_id']
    web_id = netcloud.ec2_id(web['id'])
    spy_id = netcloud.ec2_id(spy['id'])
    console = guests['consoles']['spy1']
    assert 'e2e-done' in console, console[-3000:]
    assert re.search(r'^nimbus-guest: metadata instance-id=%s hostname=spy1'
                     % spy_id, console, re.M), console[-3000:]
    assert re.search(r'^e2e-own-id: %s$' % spy_id, console, re.M), \
        console[-3000:]
    # The forged X-Forwarded-For is ignored: the spy gets its own data,
    # never web1's.
    assert re.search(r'^e2e-forged-id: %s$' % spy_id, console, re.M), \
        console[-3000:]
    assert web_id not in console
    assert re.search(r'^e2e-forged-key: $', console, re.M), console[-3000:]
    assert guests['key'] not in console
    # From the host itself (no instance has its address), a forged
    # header gets nothing either.
    code = ('import urllib.request, urllib.error\n'
            'req = urllib.request.Request(%r, headers={"X-Forwarded-For": '
            '%r})\n'
            'try:\n'
            '    print(urllib.request.urlopen(req, timeout=10).read()'
            '.decode())\n'
            'except urllib.error.HTTPError as e:\n'
            '    print("status", e.code)\n'
            % ('http://%s:%d/latest/meta-data/instance-id'
               % (GATEWAY, METADATA_PORT), addresses_of(web)[0]))
    done = subprocess.run(netcloud.lv.wrap([sys.executable, '-c', code]),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert web_id not in done.stdout
    assert re.match(r'status 4\d\d$', done.stdout.strip()), done.stdout


def test_deleting_every_guest_leaves_the_host_as_before(netcloud, guests):
    lv = netcloud.lv
    for project, name in (('demo', 'web1'), ('rival', 'spy1')):
        run_openstack(netcloud.envs[project], 'server', 'delete', '--wait',
                      name, json=False, timeout=180)
    deadline = time.monotonic() + 60
    while lv.domains() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert lv.domains() == {}
    after = normalized_iptables(lv)
    # What remains of nimbus on the host is what was there before the
    # first boot, plus the bridge's forwarding, which stays while this
    # host serves the network (as nova-network's did).
    bridge_rules = ['-A nimbus-FORWARD -i %s -j ACCEPT' % lv.bridge,
                    '-A nimbus-FORWARD -o %s -j ACCEPT' % lv.bridge]
    extra = [line for line in after if line not in netcloud.baseline]
    missing = [line for line in netcloud.baseline if line not in after]
    assert (sorted(extra), missing) == (sorted(bridge_rules), []), \
        '\n'.join(after)
    hosts = netcloud.hosts_file()
    assert hosts.strip() == '', hosts

    # A restart of nimbus-network puts back what is there, once.
    started = 'nimbus-network started on %s' % HOST
    count = netcloud.cloud.log('network').count(started)
    assert netcloud.cloud.stop('network')[0] == 0
    netcloud.start_network()
    # init_host (bridges, dnsmasq, NAT, floating IPs) is done before the
    # service says it started.
    deadline = time.monotonic() + 90
    while netcloud.cloud.log('network').count(started) == count:
        netcloud.cloud.assert_running()
        assert time.monotonic() < deadline, \
            netcloud.cloud.log('network')[-3000:]
        time.sleep(0.5)
    restarted = normalized_iptables(lv)
    rules = [line for line in restarted if line.startswith('-A ')]
    assert len(rules) == len(set(rules)), '\n'.join(restarted)
    assert restarted == after
