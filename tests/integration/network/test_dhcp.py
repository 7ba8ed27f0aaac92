"""dnsmasq run by the Linux network driver hands out exactly the static
host entries nimbus wrote, to a guest that is a namespace on a veth."""

import os
import shutil
import stat
import subprocess
import tempfile

import pytest

from tests.integration.network import netns

DRIVER = 'nimbus.network.linux_net.Driver'
MAC = 'fa:16:3e:00:00:05'
OTHER_MAC = 'fa:16:3e:00:00:99'
NETWORK = {'uuid': 'n1', 'label': 'private', 'bridge': 'br100',
           'bridge_interface': None, 'vlan': None, 'cidr': '10.0.0.0/24',
           'netmask': '255.255.255.0', 'gateway': '10.0.0.1',
           'broadcast': '10.0.0.255', 'dhcp_start': '10.0.0.2',
           'dns1': None, 'dns2': None, 'dhcp_server': '10.0.0.1',
           'multi_host': False}

UDHCPC_SCRIPT = """#!/bin/sh
# Prints the lease udhcpc got; configures nothing.
[ "$1" = bound ] && echo "bound $ip $subnet $router"
exit 0
"""

RECORDER = """#!/bin/sh
# dnsmasq's --dhcp-script for the test: records each event.
echo "$* config=$NIMBUS_CONFIG_FILE iface=$DNSMASQ_INTERFACE" >> %s
"""


@pytest.fixture
def shared_dir():
    """A directory dnsmasq can still read after dropping root."""
    path = tempfile.mkdtemp(prefix='nimbus-ln-')
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path)


def _script(path, text):
    with open(path, 'w') as script:
        script.write(text)
    os.chmod(path, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP |
             stat.S_IROTH | stat.S_IXOTH)
    return path


def udhcpc(guest, script):
    """Ask for a lease on the guest's eth0: (got, output)."""
    done = guest.exec('/bin/busybox', 'udhcpc', '-i', 'eth0', '-n', '-q',
                      '-t', '3', '-T', '1', '-A', '1', '-s', script,
                      check=False, timeout=60)
    return done.returncode == 0 and 'bound' in done.stdout, done.stdout


@pytest.fixture
def dhcp_cloud(namespaces, agents, tmp_path, shared_dir):
    cloud = namespaces('cloud')
    guest = namespaces('guest')
    netns.veth(cloud, 'tap-guest1', guest, 'eth0')
    guest.ip('link', 'set', 'eth0', 'address', MAC)
    events = os.path.join(shared_dir, 'events')
    config = netns.write_config(
        tmp_path / 'nimbus.conf', state_path=str(tmp_path),
        networks_path=os.path.join(shared_dir, 'networks'),
        dhcpbridge=_script(os.path.join(shared_dir, 'bridge.sh'),
                           RECORDER % events))
    agent = agents(cloud, config)
    agent.create('driver', DRIVER)
    agent.call('driver', 'initialize', ['10.0.0.0/24'])
    assert agent.call('driver', 'plug', NETWORK) == 'br100'
    cloud.ip('link', 'set', 'tap-guest1', 'master', 'br100')
    script = _script(os.path.join(shared_dir, 'udhcpc.sh'), UDHCPC_SCRIPT)
    try:
        yield cloud, guest, agent, script, events, config
    finally:
        if agent.proc.poll() is None:
            agent.call('driver', 'kill_dhcp', NETWORK)


def _events(path):
    try:
        with open(path) as events:
            return events.read().splitlines()
    except FileNotFoundError:
        return []


def test_guest_gets_its_static_address_and_release_ends_it(dhcp_cloud):
    cloud, guest, agent, script, events, config = dhcp_cloud
    agent.call('driver', 'update_dhcp', NETWORK, [
        {'mac': MAC, 'address': '10.0.0.5', 'hostname': 'guest1'},
        {'mac': 'fa:16:3e:00:00:06', 'address': '10.0.0.6',
         'hostname': 'guest2'}])
    pid = agent.call('driver', 'dhcp_pid', NETWORK)
    assert pid and pid in cloud.pids()
    got, output = udhcpc(guest, script)
    assert got, output
    assert 'bound 10.0.0.5 255.255.255.0 10.0.0.1' in output
    assert netns.wait_for(lambda: any(
        line.startswith('add %s 10.0.0.5 guest1' % MAC)
        for line in _events(events)))
    # dnsmasq passes the config files on to its dhcp-script.
    assert 'config=%s iface=br100' % config in _events(events)[0]

    # Removing the entry and releasing the lease: dnsmasq reports del
    # and forgets the lease; the same dnsmasq goes on (SIGHUP).
    agent.call('driver', 'release_dhcp', NETWORK, '10.0.0.5', MAC)
    agent.call('driver', 'update_dhcp', NETWORK, [
        {'mac': 'fa:16:3e:00:00:06', 'address': '10.0.0.6',
         'hostname': 'guest2'}])
    assert netns.wait_for(lambda: any(
        line.startswith('del %s 10.0.0.5' % MAC) for line in _events(events)))
    leases = os.path.join(os.path.dirname(events), 'networks',
                          'nimbus-br100.leases')
    assert netns.wait_for(lambda: '10.0.0.5' not in open(leases).read())
    assert agent.call('driver', 'dhcp_pid', NETWORK) == pid
    # And it no longer hands the address out.
    got, output = udhcpc(guest, script)
    assert not got, output


def test_unknown_mac_gets_no_lease(dhcp_cloud):
    cloud, guest, agent, script, events, config = dhcp_cloud
    agent.call('driver', 'update_dhcp', NETWORK, [
        {'mac': OTHER_MAC, 'address': '10.0.0.9', 'hostname': 'other'}])
    got, output = udhcpc(guest, script)
    assert not got, output
    assert _events(events) == []


def test_dead_dnsmasq_is_restarted_and_kill_stops_it(dhcp_cloud):
    cloud, guest, agent, script, events, config = dhcp_cloud
    hosts = [{'mac': MAC, 'address': '10.0.0.5', 'hostname': 'guest1'}]
    agent.call('driver', 'update_dhcp', NETWORK, hosts)
    first = agent.call('driver', 'dhcp_pid', NETWORK)
    os.kill(first, 9)
    assert netns.wait_for(lambda: first not in cloud.pids())
    agent.call('driver', 'update_dhcp', NETWORK, hosts)
    second = agent.call('driver', 'dhcp_pid', NETWORK)
    assert second and second != first
    got, output = udhcpc(guest, script)
    assert got, output
    # A restarted nimbus-network finds the running dnsmasq.
    agent.stop()
    again = netns.Agent(cloud, config)
    try:
        again.create('driver', DRIVER)
        assert again.call('driver', 'dhcp_pid', NETWORK) == second
        again.call('driver', 'update_dhcp', NETWORK, hosts)
        assert again.call('driver', 'dhcp_pid', NETWORK) == second
        again.call('driver', 'kill_dhcp', NETWORK)
        assert netns.wait_for(lambda: second not in cloud.pids())
        assert again.call('driver', 'dhcp_pid', NETWORK) is None
    finally:
        again.stop()


@pytest.fixture
def rabbit_in_namespace(rabbit_url, shared_dir):
    """``ns → url``: RabbitMQ on the root namespace's loopback, relayed
    into namespace ``ns`` (its own 127.0.0.1:5672) through a unix
    socket."""
    sock = os.path.join(shared_dir, 'rabbit.sock')
    relay = subprocess.Popen(
        ['socat', 'UNIX-LISTEN:%s,fork' % sock, 'TCP:127.0.0.1:5672'],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert netns.wait_for(lambda: os.path.exists(sock))

    def relay_into(namespace):
        namespace.spawn('socat',
                        'TCP-LISTEN:5672,bind=127.0.0.1,fork,reuseaddr',
                        'UNIX-CONNECT:%s' % sock)
        return rabbit_url

    try:
        yield relay_into
    finally:
        relay.kill()
        relay.wait(10)


def test_dhcpbridge_reports_real_leases_to_nimbus_network(
        namespaces, agents, tmp_path, shared_dir, conf, rabbit_in_namespace):
    """dnsmasq → nimbus-dhcpbridge → RPC → nimbus-network → fixed_ips."""
    from nimbus import context as nimbus_context
    from nimbus.db.api import fixed_ip as fixed_ip_db
    from nimbus.db import migration
    from nimbus.db import models
    from nimbus.db import session
    from nimbus.network import manager as network_manager
    from nimbus import rpc
    from nimbus import service

    cloud = namespaces('cloud')
    guest = namespaces('guest')
    url = rabbit_in_namespace(cloud)
    rpc.init(conf.conf, url=url)
    migration.db_sync()
    context = nimbus_context.get_admin_context()
    with session.writer.using(context) as db:
        net = models.Network(label='private', cidr='10.0.0.0/24',
                             bridge='br100')
        db.add(net)
        db.flush()
        vif = models.VirtualInterface(address=MAC, network_id=net.id)
        db.add(vif)
        db.flush()
        db.add(models.FixedIp(address='10.0.0.5', network_id=net.id,
                              virtual_interface_id=vif.id, allocated=True))
    svc = service.Service('test-host', 'nimbus-network', 'network',
                          network_manager.NetworkManager(host='test-host'))
    svc.start()
    try:
        netns.veth(cloud, 'tap-guest1', guest, 'eth0')
        guest.ip('link', 'set', 'eth0', 'address', MAC)
        config = netns.write_config(
            tmp_path / 'nimbus.conf', state_path=str(tmp_path),
            host='test-host', transport_url=url,
            networks_path=os.path.join(shared_dir, 'networks'))
        agent = agents(cloud, config)
        agent.create('driver', DRIVER)
        agent.call('driver', 'plug', NETWORK)
        cloud.ip('link', 'set', 'tap-guest1', 'master', 'br100')
        hosts = [{'mac': MAC, 'address': '10.0.0.5', 'hostname': 'guest1'}]
        agent.call('driver', 'update_dhcp', NETWORK, hosts)
        try:
            script = _script(os.path.join(shared_dir, 'udhcpc.sh'),
                             UDHCPC_SCRIPT)
            got, output = udhcpc(guest, script)
            assert got, output

            def leased():
                return fixed_ip_db.fixed_ip_get_by_address(
                    context, '10.0.0.5')['leased']

            assert netns.wait_for(leased, timeout=30)
            agent.call('driver', 'release_dhcp', NETWORK, '10.0.0.5', MAC)
            assert netns.wait_for(lambda: not leased(), timeout=30)
        finally:
            agent.call('driver', 'kill_dhcp', NETWORK)
    finally:
        svc.stop()
        svc.wait(10)
        rpc.cleanup()
