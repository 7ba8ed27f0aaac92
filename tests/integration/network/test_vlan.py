"""VLAN mode on the Linux driver.

This kernel may have no 802.1Q VLAN devices: the VLAN device test then
checks that the driver says so, naming the missing feature, and skips
(the only skip of these tests). Everything else of VLAN mode, a bridge,
dnsmasq and NAT per project network, runs without the VLAN device.
"""

import os
import shutil
import tempfile

import pytest

from tests.integration.network import netns
from tests.integration.network import test_dhcp

DRIVER = 'nimbus.network.linux_net.Driver'


def _network(vlan, third):
    return {'uuid': 'net-%d' % vlan, 'label': 'project-%d' % vlan,
            'bridge': 'br%d' % vlan, 'bridge_interface': 'eth1',
            'vlan': vlan, 'cidr': '10.%d.0.0/28' % third,
            'netmask': '255.255.255.240', 'gateway': '10.%d.0.1' % third,
            'broadcast': '10.%d.0.15' % third,
            'dhcp_start': '10.%d.0.3' % third,
            'dhcp_server': '10.%d.0.1' % third, 'multi_host': False}


@pytest.fixture
def vlan_host(namespaces, agents, tmp_path):
    cloud = namespaces('vlan')
    cloud.ip('link', 'add', 'eth1', 'type', 'veth', 'peer', 'name',
             'eth1-peer')
    shared = tempfile.mkdtemp(prefix='nimbus-ln-')
    os.chmod(shared, 0o755)
    config = netns.write_config(
        tmp_path / 'nimbus.conf', state_path=str(tmp_path),
        networks_path=os.path.join(shared, 'networks'),
        dhcpbridge='/bin/true', public_interface='eth1',
        routing_source_ip='192.0.2.10')
    agent = agents(cloud, config)
    agent.create('driver', DRIVER)
    try:
        yield cloud, agent, shared
    finally:
        shutil.rmtree(shared)


def test_vlan_device(vlan_host):
    cloud, agent, _ = vlan_host
    network = _network(102, 102)
    try:
        device = agent.call('driver', 'ensure_vlan', 102, 'eth1')
    except netns.RemoteError as exc:
        assert exc.kind == 'KernelFeatureMissing'
        assert '802.1Q' in exc.message and '8021q' in exc.message
        # plug() of a VLAN network fails the same way, and leaves no
        # bridge behind.
        with pytest.raises(netns.RemoteError) as plugged:
            agent.call('driver', 'plug', network)
        assert plugged.value.kind == 'KernelFeatureMissing'
        assert 'br102' not in cloud.ip('link').stdout
        pytest.skip('this kernel has no 802.1Q VLAN devices (module '
                    '8021q): %s' % exc.message)
    assert device == 'vlan102'
    details = cloud.ip('-d', 'link', 'show', 'vlan102').stdout
    assert 'vlan protocol 802.1Q id 102' in details
    assert agent.call('driver', 'ensure_vlan', 102, 'eth1') == 'vlan102'
    assert agent.call('driver', 'plug', network) == 'br102'
    assert 'master br102' in cloud.ip('link', 'show', 'vlan102').stdout


def test_vlan_mode_networks_without_the_vlan_device(vlan_host,
                                                    namespaces):
    cloud, agent, shared = vlan_host
    networks = [_network(102, 102), _network(103, 103)]
    agent.call('driver', 'initialize', [net['cidr'] for net in networks])
    guests = []
    for index, network in enumerate(networks):
        # What plug() does after the VLAN: the project's bridge with the
        # gateway address (no uplink here).
        agent.call('driver', 'ensure_bridge', network['bridge'], None,
                   '%s/28' % network['gateway'])
        guest = namespaces('vg%d' % index)
        tap = 'tap-v%d' % index
        netns.veth(cloud, tap, guest, 'eth0')
        guest.ip('link', 'set', 'eth0', 'address',
                 'fa:16:3e:00:01:%02x' % index)
        cloud.ip('link', 'set', tap, 'master', network['bridge'])
        guests.append(guest)
    try:
        # Each project's dnsmasq knows only its own instance.
        for index, network in enumerate(networks):
            agent.call('driver', 'update_dhcp', network, [
                {'mac': 'fa:16:3e:00:01:%02x' % index,
                 'address': network['dhcp_start'],
                 'hostname': 'vm%d' % index}])
        pids = {agent.call('driver', 'dhcp_pid', net) for net in networks}
        assert len(pids) == 2 and None not in pids
        script = test_dhcp._script(os.path.join(shared, 'udhcpc.sh'),
                                   test_dhcp.UDHCPC_SCRIPT)
        for guest, network in zip(guests, networks):
            got, output = test_dhcp.udhcpc(guest, script)
            assert got, output
            assert 'bound %s 255.255.255.240 %s' % (
                network['dhcp_start'], network['gateway']) in output
        # An instance of project 102 moved onto project 103's bridge gets
        # nothing there.
        guests[0].ip('link', 'set', 'eth0', 'address', 'fa:16:3e:00:01:00')
        cloud.ip('link', 'set', 'tap-v0', 'nomaster')
        cloud.ip('link', 'set', 'tap-v0', 'master', 'br103')
        got, output = test_dhcp.udhcpc(guests[0], script)
        assert not got, output
        nat = cloud.iptables_save('nat')
        for network in networks:
            assert ('-A nimbus-snat -s %s -o eth1 -j SNAT --to-source '
                    '192.0.2.10' % network['cidr']) in nat
        assert ('-A nimbus-POSTROUTING -s 10.102.0.0/28 -d 10.103.0.0/28 '
                '-m conntrack ! --ctstate DNAT -j ACCEPT') in nat
    finally:
        for network in networks:
            agent.call('driver', 'kill_dhcp', network)
