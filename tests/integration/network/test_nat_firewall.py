"""Floating IPs, SNAT, metadata DNAT and security groups, for real.

Three namespaces: ``cloud`` (nimbus-network and nimbus-compute, each an
agent process with its own iptables manager, as on a multi_host node),
``guest`` (an instance: eth0 is the far end of the tap on br100) and
``outside`` (a machine on the public network, on a veth to pub0).
"""

import os
import re
import shutil
import tempfile

import pytest

from tests.integration.network import netns
from tests.integration.network import test_dhcp

DRIVER = 'nimbus.network.linux_net.Driver'
FIREWALL = 'nimbus.virt.iptables_firewall.IptablesFirewallDriver'
INSTANCE = '6f1c1d3e-8d2a-4a34-9a53-0c6f2b7f1a01'
MAC = 'fa:16:3e:00:00:05'
FIXED = '10.0.0.5'
FLOATING = '203.0.113.10'
PUBLIC_HOST = '203.0.113.1'
OUTSIDE = '203.0.113.2'
METADATA_PORT = 8775
NETWORK = {'uuid': 'n1', 'label': 'private', 'bridge': 'br100',
           'bridge_interface': None, 'vlan': None, 'cidr': '10.0.0.0/24',
           'netmask': '255.255.255.0', 'gateway': '10.0.0.1',
           'broadcast': '10.0.0.255', 'dhcp_start': '10.0.0.2',
           'dhcp_server': '10.0.0.1', 'multi_host': False}
NETWORK_INFO = [{
    'id': 'vif-1', 'address': MAC, 'type': 'bridge', 'devname': 'tap-g1',
    'network': {'id': 'n1', 'label': 'private', 'bridge': 'br100',
                'subnets': [{'cidr': '10.0.0.0/24', 'version': 4,
                             'gateway': {'address': '10.0.0.1'},
                             'dhcp_server': '10.0.0.1',
                             'ips': [{'address': FIXED, 'type': 'fixed',
                                      'version': 4, 'floating_ips': []}]}]},
}]


def normalized(save):
    return [re.sub(r'\[\d+:\d+\]', '[0:0]', line)
            for line in save.splitlines() if not line.startswith('#')]


@pytest.fixture
def shared_dir():
    # dnsmasq reads its hosts file after dropping root.
    path = tempfile.mkdtemp(prefix='nimbus-ln-')
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path)


@pytest.fixture
def topology(namespaces, agents, tmp_path, shared_dir):
    cloud = namespaces('cloud')
    guest = namespaces('guest')
    outside = namespaces('out')
    netns.veth(cloud, 'tap-g1', guest, 'eth0')
    guest.ip('link', 'set', 'eth0', 'address', MAC)
    guest.ip('addr', 'add', FIXED + '/24', 'dev', 'eth0')
    guest.ip('route', 'add', 'default', 'via', '10.0.0.1')
    netns.veth(cloud, 'pub0', outside, 'eth0')
    cloud.ip('addr', 'add', PUBLIC_HOST + '/24', 'dev', 'pub0')
    outside.ip('addr', 'add', OUTSIDE + '/24', 'dev', 'eth0')
    # Rules of someone else, which nimbus must leave alone.
    cloud.exec('iptables', '-A', 'FORWARD', '-s', '192.0.2.1', '-j', 'DROP')
    cloud.exec('iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s',
               '192.0.2.0/24', '-j', 'MASQUERADE')
    before = normalized(cloud.iptables_save())
    networks = os.path.join(shared_dir, 'networks')
    config = netns.write_config(
        tmp_path / 'nimbus.conf', state_path=str(tmp_path),
        networks_path=networks, public_interface='pub0',
        dhcpbridge='/bin/true',
        routing_source_ip=PUBLIC_HOST, metadata_host='10.0.0.1',
        metadata_port=METADATA_PORT)
    network = agents(cloud, config)
    network.create('driver', DRIVER)
    network.call('driver', 'initialize', ['10.0.0.0/24'])
    network.call('driver', 'plug', NETWORK)
    cloud.ip('link', 'set', 'tap-g1', 'master', 'br100')
    # Off, as in a fresh namespace on some kernels (it is per namespace):
    # the firewall must turn it on or bridged traffic skips iptables.
    nf_call = '/proc/sys/net/bridge/bridge-nf-call-iptables'
    cloud.exec('sh', '-c', 'echo 0 > %s' % nf_call)
    compute = agents(cloud, config)
    compute.create('firewall', FIREWALL)
    compute.call('firewall', 'initialize')
    assert cloud.exec('cat', nf_call).stdout.strip() == '1'
    netns.listen(guest, '0.0.0.0', 8080)
    netns.listen(outside, OUTSIDE, 9090)
    try:
        yield {'cloud': cloud, 'guest': guest, 'outside': outside,
               'network': network, 'compute': compute, 'config': config,
               'before': before, 'shared_dir': shared_dir}
    finally:
        if network.proc.poll() is None:
            network.call('driver', 'kill_dhcp', NETWORK)


def test_snat_and_floating_ip(topology):
    cloud, guest, outside = (topology[k] for k in ('cloud', 'guest',
                                                   'outside'))
    network = topology['network']
    # Out of the cloud, instances appear as routing_source_ip...
    assert netns.reaches(guest, OUTSIDE, 9090) == PUBLIC_HOST
    # ...and cannot be reached from outside.
    assert netns.connect(outside, FLOATING, 8080) is None

    network.call('driver', 'ensure_floating_ip', FLOATING, FIXED, 'pub0')
    network.call('driver', 'ensure_floating_ip', FLOATING, FIXED, 'pub0')
    assert netns.reaches(outside, FLOATING, 8080) == OUTSIDE
    assert netns.reaches(guest, OUTSIDE, 9090) == FLOATING
    # The host itself reaches the instance through the floating IP too.
    assert netns.reaches(cloud, FLOATING, 8080) is not None
    nat = cloud.iptables_save('nat')
    assert nat.count('-A nimbus-PREROUTING -d 203.0.113.10/32 -j DNAT '
                     '--to-destination 10.0.0.5') == 1
    assert nat.count('-A nimbus-float-snat -s 10.0.0.5/32 -j SNAT '
                     '--to-source 203.0.113.10') == 1
    assert FLOATING + '/32' in cloud.ip('-4', 'addr', 'show', 'pub0').stdout

    # A connection made through the floating IP...
    netns.echo_server(guest, '0.0.0.0', 8081)
    session = netns.Session(outside, FLOATING, 8081)
    assert session.connected and session.exchange('before')

    network.call('driver', 'remove_floating_ip', FLOATING, FIXED, 'pub0')
    network.call('driver', 'remove_floating_ip', FLOATING, FIXED, 'pub0')
    # ...ends with it (its NAT is forgotten), and no new one is made.
    assert not session.exchange('after')
    assert netns.connect(outside, FLOATING, 8080) is None
    assert netns.reaches(guest, OUTSIDE, 9090) == PUBLIC_HOST
    assert FLOATING not in cloud.iptables_save('nat')
    assert FLOATING not in cloud.ip('-4', 'addr', 'show', 'pub0').stdout


def test_metadata_forward(topology):
    cloud, guest = topology['cloud'], topology['guest']
    netns.listen(cloud, '10.0.0.1', METADATA_PORT)
    assert netns.connect(guest, '169.254.169.254', 80) is None
    topology['network'].call('driver', 'ensure_metadata_forward',
                             '10.0.0.1', METADATA_PORT)
    # The metadata API sees the instance's own address (no SNAT): that
    # is how it knows which instance asks.
    assert netns.reaches(guest, '169.254.169.254', 80) == FIXED
    # Forwarding elsewhere replaces the rule rather than adding one.
    topology['network'].call('driver', 'ensure_metadata_forward',
                             '10.0.0.1', 8776)
    nat = cloud.iptables_save('nat')
    assert '169.254.169.254' in nat and nat.count('169.254.169.254') == 1
    assert netns.connect(guest, '169.254.169.254', 80) is None


def test_security_group_rules(topology):
    outside, compute = topology['outside'], topology['compute']
    topology['network'].call('driver', 'ensure_floating_ip', FLOATING,
                             FIXED, 'pub0')
    assert netns.reaches(outside, FLOATING, 8080) == OUTSIDE

    compute.call('firewall', 'apply_instance_filter', INSTANCE,
                 NETWORK_INFO, [])
    assert compute.call('firewall', 'instance_filtered', INSTANCE)
    assert netns.connect(outside, FLOATING, 8080) is None
    # Egress is not limited: replies to the instance's own connections
    # come back (established).
    assert netns.reaches(topology['guest'], OUTSIDE, 9090) == FLOATING

    rule = {'protocol': 'tcp', 'from_port': 8080, 'to_port': 8080,
            'cidr': '0.0.0.0/0'}
    compute.call('firewall', 'apply_instance_filter', INSTANCE,
                 NETWORK_INFO, [rule])
    assert netns.reaches(outside, FLOATING, 8080) == OUTSIDE
    # A rule for another source does not open it.
    compute.call('firewall', 'apply_instance_filter', INSTANCE,
                 NETWORK_INFO, [dict(rule, cidr='198.51.100.0/24')])
    assert netns.connect(outside, FLOATING, 8080) is None
    compute.call('firewall', 'apply_instance_filter', INSTANCE,
                 NETWORK_INFO, [dict(rule, from_port=8000, to_port=8100,
                                     cidr='203.0.113.0/24')])
    assert netns.reaches(outside, FLOATING, 8080) == OUTSIDE
    compute.call('firewall', 'apply_instance_filter', INSTANCE,
                 NETWORK_INFO, [])
    assert netns.connect(outside, FLOATING, 8080) is None

    compute.call('firewall', 'remove_instance_filter', INSTANCE)
    compute.call('firewall', 'remove_instance_filter', INSTANCE)
    assert not compute.call('firewall', 'instance_filtered', INSTANCE)
    assert netns.reaches(outside, FLOATING, 8080) == OUTSIDE
    assert 'nimbus-in-' not in topology['cloud'].iptables_save('filter')


def test_spoofed_source_address_and_mac_are_dropped(topology):
    cloud, guest, compute = (topology[k] for k in ('cloud', 'guest',
                                                   'compute'))
    guest.ip('addr', 'add', '10.0.0.77/24', 'dev', 'eth0')
    # Without a filter the spoofed address gets through: the test can
    # tell.
    assert netns.reaches(guest, OUTSIDE, 9090, source='10.0.0.77') \
        == PUBLIC_HOST
    compute.call('firewall', 'apply_instance_filter', INSTANCE,
                 NETWORK_INFO, [])
    assert netns.connect(guest, OUTSIDE, 9090, source='10.0.0.77') is None
    assert netns.reaches(guest, OUTSIDE, 9090) == PUBLIC_HOST
    # Nor can it reach the host (the metadata API) with it.
    netns.listen(cloud, '10.0.0.1', 7000)
    assert netns.reaches(guest, '10.0.0.1', 7000) == FIXED
    assert netns.connect(guest, '10.0.0.1', 7000, source='10.0.0.77') \
        is None

    # Another MAC with the right address is dropped too...
    guest.ip('link', 'set', 'eth0', 'address', 'fa:16:3e:00:00:99')
    cloud.ip('neigh', 'flush', 'dev', 'br100')
    assert netns.connect(guest, OUTSIDE, 9090) is None
    # ...because of the filter (without it the same connection works).
    compute.call('firewall', 'remove_instance_filter', INSTANCE)
    cloud.ip('neigh', 'flush', 'dev', 'br100')
    assert netns.reaches(guest, OUTSIDE, 9090) == PUBLIC_HOST


def test_restarted_daemons_keep_rules_without_duplicates(topology, agents):
    cloud = topology['cloud']
    network, compute = topology['network'], topology['compute']
    network.call('driver', 'ensure_floating_ip', FLOATING, FIXED, 'pub0')
    network.call('driver', 'ensure_metadata_forward', '10.0.0.1',
                 METADATA_PORT)
    rule = {'protocol': 'icmp', 'from_port': 8, 'to_port': -1,
            'cidr': '0.0.0.0/0'}
    compute.call('firewall', 'apply_instance_filter', INSTANCE,
                 NETWORK_INFO, [rule])
    built = normalized(cloud.iptables_save())
    network.stop()
    compute.stop()

    network = agents(cloud, topology['config'])
    network.create('driver', DRIVER)
    network.call('driver', 'initialize', ['10.0.0.0/24'])
    network.call('driver', 'plug', NETWORK)
    network.call('driver', 'ensure_floating_ip', FLOATING, FIXED, 'pub0')
    network.call('driver', 'ensure_metadata_forward', '10.0.0.1',
                 METADATA_PORT)
    compute = agents(cloud, topology['config'])
    compute.create('firewall', FIREWALL)
    compute.call('firewall', 'initialize')
    compute.call('firewall', 'apply_instance_filter', INSTANCE,
                 NETWORK_INFO, [rule])
    assert normalized(cloud.iptables_save()) == built
    # Nothing was rewritten: every rule was found as written.
    assert network.call('driver', 'iptables.restores') == 0
    assert compute.call('firewall', 'iptables.restores') == 0

    # Removing everything leaves iptables as it was before nimbus.
    compute.call('firewall', 'remove_instance_filter', INSTANCE)
    network.call('driver', 'remove_floating_ip', FLOATING, FIXED, 'pub0')
    network.call('driver', 'teardown')
    compute.call('firewall', 'teardown')
    assert normalized(cloud.iptables_save()) == topology['before']


def test_dhcp_passes_the_filter_of_its_own_mac_only(topology):
    guest, network, compute = (topology[k] for k in ('guest', 'network',
                                                     'compute'))
    network.call('driver', 'update_dhcp', NETWORK, [
        {'mac': MAC, 'address': FIXED, 'hostname': 'vm1'}])
    compute.call('firewall', 'apply_instance_filter', INSTANCE,
                 NETWORK_INFO, [])
    script = test_dhcp._script(
        os.path.join(topology['shared_dir'], 'udhcpc.sh'),
        test_dhcp.UDHCPC_SCRIPT)
    got, output = test_dhcp.udhcpc(guest, script)
    assert got, output
    assert 'bound %s' % FIXED in output
    # A request from another MAC does not even reach dnsmasq.
    guest.ip('link', 'set', 'eth0', 'address', 'fa:16:3e:00:00:99')
    network.call('driver', 'update_dhcp', NETWORK, [
        {'mac': MAC, 'address': FIXED, 'hostname': 'vm1'},
        {'mac': 'fa:16:3e:00:00:99', 'address': '10.0.0.99',
         'hostname': 'intruder'}])
    got, output = test_dhcp.udhcpc(guest, script)
    assert not got, output
