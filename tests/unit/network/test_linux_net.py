"""The Linux driver's pieces that need no root: dnsmasq's command line
and files, rule texts, loading by name. The host side itself is tested
in tests/integration/network."""

import os
import tempfile

import pytest

from nimbus.network import driver
from nimbus.network.linux import dnsmasq
from nimbus.network import linux_net
from nimbus.virt import iptables_firewall

NETWORK = {'uuid': 'n1', 'label': 'private', 'bridge': 'br100',
           'cidr': '10.0.0.0/24', 'gateway': '10.0.0.1',
           'dhcp_start': '10.0.0.2', 'dhcp_server': '10.0.0.3',
           'dns1': '192.0.2.53', 'dns2': None}


def _dnsmasq(tmp_path, **kwargs):
    return dnsmasq.Dnsmasq(NETWORK, str(tmp_path), '/usr/bin/bridge',
                           lease_time=600, domain='novalocal', **kwargs)


def test_dnsmasq_command_line(tmp_path):
    argv = _dnsmasq(tmp_path).argv()
    assert argv[0] == 'dnsmasq'
    for option in ['--bind-interfaces', '--interface=br100',
                   '--except-interface=lo', '--listen-address=10.0.0.3',
                   '--dhcp-range=set:br100,10.0.0.2,static,255.255.255.0,'
                   '600s',
                   '--dhcp-hostsfile=%s/nimbus-br100.hosts' % tmp_path,
                   '--dhcp-leasefile=%s/nimbus-br100.leases' % tmp_path,
                   '--pid-file=%s/nimbus-br100.pid' % tmp_path,
                   '--dhcp-script=/usr/bin/bridge',
                   '--dhcp-option=option:router,10.0.0.3',
                   '--dhcp-option=option:dns-server,192.0.2.53',
                   '--no-hosts', '--no-resolv', '--conf-file=',
                   '--domain=novalocal']:
        assert option in argv
    servers = _dnsmasq(tmp_path, dns_servers=['192.0.2.1']).argv()
    assert '--server=192.0.2.1' in servers


def test_hosts_file_is_static_entries_and_reports_changes(tmp_path):
    server = _dnsmasq(tmp_path)
    hosts = [{'mac': 'FA:16:3E:00:00:02', 'address': '10.0.0.12',
              'hostname': 'b'},
             {'mac': 'fa:16:3e:00:00:01', 'address': '10.0.0.11',
              'hostname': 'a'}]
    assert server.write_hosts(hosts)
    assert not server.write_hosts(hosts)
    with open(server.hosts_file) as hosts_file:
        assert hosts_file.read() == ('fa:16:3e:00:00:01,a,10.0.0.11\n'
                                     'fa:16:3e:00:00:02,b,10.0.0.12\n')
    assert oct(os.stat(server.hosts_file).st_mode & 0o777) == '0o644'


def test_hosts_file_is_read_back(tmp_path):
    server = _dnsmasq(tmp_path)
    assert server.read_hosts() is None
    server.write_hosts([{'mac': 'FA:16:3E:00:00:02', 'address': '10.0.0.12',
                         'hostname': 'b'}])
    assert server.read_hosts() == [{'mac': 'fa:16:3e:00:00:02',
                                    'hostname': 'b', 'address': '10.0.0.12'}]
    server.write_hosts([])
    assert server.read_hosts() == []


def test_dhcp_hosts_changed_in_the_hosts_file(tmp_path, conf, monkeypatch):
    conf.config(networks_path=str(tmp_path))
    started = []
    monkeypatch.setattr(dnsmasq.Dnsmasq, 'start',
                        lambda self: started.append(self.bridge))
    net = linux_net.Driver()
    # No hosts file yet: the manager must give every entry.
    assert not net.change_dhcp_hosts(NETWORK, added=[
        {'mac': 'fa:16:3e:00:00:01', 'address': '10.0.0.11',
         'hostname': 'a'}])
    assert not os.path.exists(tmp_path / 'nimbus-br100.hosts')
    net.update_dhcp(NETWORK, [{'mac': 'fa:16:3e:00:00:01',
                               'address': '10.0.0.11', 'hostname': 'a'}])
    assert net.change_dhcp_hosts(NETWORK, added=[
        {'mac': 'fa:16:3e:00:00:02', 'address': '10.0.0.12',
         'hostname': 'b'}], removed=[['10.0.0.11', 'fa:16:3e:00:00:01']])
    # An address now another MAC's is not removed.
    assert net.change_dhcp_hosts(NETWORK, removed=[
        ['10.0.0.12', 'fa:16:3e:00:00:09']])
    with open(tmp_path / 'nimbus-br100.hosts') as hosts_file:
        assert hosts_file.read() == 'fa:16:3e:00:00:02,b,10.0.0.12\n'
    # Not running: started after each change.
    assert started == ['br100'] * 3


def test_a_networks_path_closed_to_other_users_is_found():
    # dnsmasq re-reads its hosts file as nobody after a change. pytest's
    # tmp_path sits in a directory closed to others: /tmp instead.
    with tempfile.TemporaryDirectory(dir='/tmp') as base:
        os.chmod(base, 0o755)
        state = os.path.join(base, 'state')
        inner = os.path.join(state, 'networks')
        os.makedirs(inner)
        os.chmod(state, 0o700)
        assert dnsmasq.closed_to_others(inner) == state
        os.chmod(state, 0o711)
        assert dnsmasq.closed_to_others(inner) is None


def test_pid_file_of_another_process_is_not_ours(tmp_path):
    server = _dnsmasq(tmp_path)
    with open(server.pid_file, 'w') as pid_file:
        pid_file.write('%d\n' % os.getpid())
    # Our own PID is a python, not this network's dnsmasq: never killed.
    assert server.pid() is None
    server.stop()
    assert os.path.exists(server.pid_file)


def test_linux_net_is_a_network_driver():
    loaded = driver.load_network_driver('linux_net')
    assert isinstance(loaded, linux_net.Driver)
    assert not linux_net.Driver.__abstractmethods__


@pytest.mark.parametrize('rule,text', [
    ({'protocol': 'tcp', 'from_port': 22, 'to_port': 22,
      'cidr': '0.0.0.0/0'}, '-p tcp -m tcp --dport 22 -j ACCEPT'),
    ({'protocol': 'udp', 'from_port': 1000, 'to_port': 2000,
      'cidr': '10.1.2.3/16'},
     '-s 10.1.0.0/16 -p udp -m udp --dport 1000:2000 -j ACCEPT'),
    ({'protocol': 'tcp', 'from_port': -1, 'to_port': -1,
      'cidr': '192.0.2.7/32'}, '-s 192.0.2.7/32 -p tcp -j ACCEPT'),
    ({'protocol': 'icmp', 'from_port': -1, 'to_port': -1,
      'cidr': '0.0.0.0/0'}, '-p icmp -j ACCEPT'),
    ({'protocol': 'icmp', 'from_port': 8, 'to_port': -1,
      'cidr': '0.0.0.0/0'}, '-p icmp -m icmp --icmp-type 8 -j ACCEPT'),
    ({'protocol': 'icmp', 'from_port': 3, 'to_port': 4,
      'cidr': '0.0.0.0/0'}, '-p icmp -m icmp --icmp-type 3/4 -j ACCEPT'),
])
def test_security_group_rule_texts(rule, text):
    assert iptables_firewall.rule_to_iptables(rule) == text


def test_instance_chains_differ_for_alike_uuids():
    first = iptables_firewall.ingress_chain(
        '00000000-0000-0001-0000-000000000001')
    second = iptables_firewall.ingress_chain(
        '00000000-0000-0001-0000-000000000002')
    assert first != second
    assert first.startswith('nimbus-in-00000000')
    assert len(iptables_firewall.egress_chain(
        'f' * 8 + '-' + 'f' * 27)) <= 28


def test_egress_checks_mac_and_address_and_lets_dhcp_out():
    network_info = [{'address': 'FA:16:3E:00:00:05', 'devname': 'tapabc',
                     'network': {'subnets': [{
                         'cidr': '10.0.0.0/24', 'dhcp_server': '10.0.0.1',
                         'ips': [{'address': '10.0.0.5'}]}]}}]
    rules = iptables_firewall.egress_rules(network_info)
    assert rules == [
        '-m mac ! --mac-source fa:16:3e:00:00:05 -j DROP',
        '-s 0.0.0.0/32 -d 255.255.255.255/32 -p udp -m udp --sport 68 '
        '--dport 67 -j RETURN',
        '-s 10.0.0.5/32 -j RETURN', '-j DROP']
    # With two VIFs each rule names its tap too.
    second = dict(network_info[0], devname='tapdef',
                  address='fa:16:3e:00:00:06')
    rules = iptables_firewall.egress_rules(network_info + [second])
    assert rules[:2] == [
        '-m physdev --physdev-in tapabc -m mac ! --mac-source '
        'fa:16:3e:00:00:05 -j DROP',
        '-m physdev --physdev-in tapdef -m mac ! --mac-source '
        'fa:16:3e:00:00:06 -j DROP']
    assert '-s 10.0.0.5/32 -m physdev --physdev-in tapabc -j RETURN' \
        in rules
    ingress = iptables_firewall.ingress_rules(network_info, [], True)
    assert ingress[-1] == '-j DROP'
    assert '-s 10.0.0.0/24 -j ACCEPT' in ingress
    assert '-s 10.0.0.0/24 -j ACCEPT' not in \
        iptables_firewall.ingress_rules(network_info, [], False)


@pytest.fixture
def host(monkeypatch, conf):
    """The driver on an in-memory iptables, with netlink calls recorded."""
    from nimbus.network.linux import command
    from nimbus.network.linux import links
    from tests.unit.network import fake_iptables
    kernel = fake_iptables.FakeIptables()
    monkeypatch.setattr(command, 'run', kernel.run)
    calls = []
    for name in ('add_address', 'remove_address', 'forget_connections',
                 'set_sysctl', 'ensure_bridge'):
        monkeypatch.setattr(links, name,
                            lambda *args, _name=name: calls.append(
                                (_name,) + args))
    conf.config(public_interface='pub0', routing_source_ip='192.0.2.10',
                metadata_host='10.0.0.1')
    return kernel, calls


def test_floating_ip_without_initialize_still_gets_its_chains(host):
    kernel, calls = host
    net = linux_net.Driver()
    net.ensure_floating_ip('203.0.113.5', '10.0.0.5', 'pub0')
    nat = kernel.tables['nat']
    assert nat['PREROUTING'] == ['-j nimbus-PREROUTING']
    assert nat['POSTROUTING'] == ['-j nimbus-POSTROUTING']
    assert nat['nimbus-POSTROUTING'] == ['-j nimbus-snat']
    assert nat['nimbus-snat'] == ['-j nimbus-float-snat']
    assert nat['nimbus-float-snat'] == [
        '-s 10.0.0.5/32 -j SNAT --to-source 203.0.113.5']
    assert ('add_address', 'pub0', '203.0.113.5/32') in calls
    # initialize() later fills in the SNAT of the fixed ranges, keeping
    # the floating IP.
    net.initialize(['10.0.0.0/24'])
    nat = kernel.tables['nat']
    assert nat['nimbus-snat'][-1] == (
        '-s 10.0.0.0/24 -o pub0 -j SNAT --to-source 192.0.2.10')
    assert nat['nimbus-float-snat'] == [
        '-s 10.0.0.5/32 -j SNAT --to-source 203.0.113.5']
    net.remove_floating_ip('203.0.113.5', '10.0.0.5', 'pub0')
    nat = kernel.tables['nat']
    assert nat['nimbus-float-snat'] == []
    assert ('forget_connections', '203.0.113.5') in calls
    assert not any('203.0.113.5' in rule for rules in nat.values()
                   for rule in rules)


def _vif(n):
    return [{'address': 'fa:16:3e:00:00:%02x' % n, 'devname': 'tap%d' % n,
             'network': {'subnets': [{
                 'cidr': '10.0.0.0/24', 'dhcp_server': '10.0.0.1',
                 'ips': [{'address': '10.0.0.%d' % (n + 10)}]}]}}]


def test_firewall_filters_and_removal_of_stale_ones(host):
    kernel, calls = host
    firewall = iptables_firewall.IptablesFirewallDriver()
    firewall.initialize()
    uuids = ['11111111-0000-0000-0000-00000000000%d' % n for n in range(3)]
    for n, instance_uuid in enumerate(uuids):
        firewall.apply_instance_filter(instance_uuid, _vif(n), [])
    filt = kernel.tables['filter']
    assert filt['FORWARD'] == ['-j nimbus-filter-top']
    assert filt['INPUT'] == ['-j nimbus-filter-top']
    assert len(filt['nimbus-ingress']) == len(filt['nimbus-egress']) == 3
    # A restarted compute knows only uuids[1]: the others go, with their
    # dispatch rules.
    restarted = iptables_firewall.IptablesFirewallDriver()
    restarted.initialize()
    assert restarted.remove_filters_except([uuids[1]]) == 4
    filt = kernel.tables['filter']
    assert filt['nimbus-ingress'] == [
        '-d 10.0.0.11/32 -j %s' % iptables_firewall.ingress_chain(uuids[1])]
    assert filt['nimbus-egress'] == [
        '-m physdev --physdev-in tap1 -j %s'
        % iptables_firewall.egress_chain(uuids[1])]
    assert restarted.instance_filtered(uuids[1])
    assert not restarted.instance_filtered(uuids[0])
    assert restarted.remove_filters_except([uuids[1]]) == 0
