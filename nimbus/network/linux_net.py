"""The Linux network driver (``network_driver = linux_net``).

Bridges, VLANs and addresses through netlink (nimbus.network.linux.links),
one dnsmasq per network (.dnsmasq), NAT through the chains this daemon
owns (.iptables), all in the network namespace nimbus-network runs in.

Chains of nimbus-network, in the nat table::

  PREROUTING  -> nimbus-PREROUTING   DNAT of floating IPs, metadata
  OUTPUT      -> nimbus-OUTPUT       DNAT of floating IPs (from the host)
  POSTROUTING -> nimbus-POSTROUTING  no SNAT between fixed ranges (unless
                                     DNATed) nor to the metadata host;
                                     then nimbus-snat
                 nimbus-snat         nimbus-float-snat, then SNAT of the
                                     fixed ranges to routing_source_ip
                 nimbus-float-snat   SNAT of a fixed IP to its floating IP

and in the filter table ``FORWARD -> nimbus-FORWARD`` (appended, after
the instance filters of nimbus-compute) accepting traffic in and out of
the bridges this driver made, for hosts whose FORWARD policy is DROP.
The instances' own filters are nimbus.virt.iptables_firewall's.
"""

import ipaddress
import threading

from oslo_log import log as logging

from nimbus.conf import CONF
from nimbus.network import driver
from nimbus.network.linux import dnsmasq
from nimbus.network.linux import iptables
from nimbus.network.linux import links

LOG = logging.getLogger(__name__)

METADATA_ADDRESS = '169.254.169.254'


def _host(address):
    return '%s/32' % ipaddress.ip_address(address)


def _net(cidr):
    return str(ipaddress.ip_network(cidr, strict=False))


class Driver(driver.NetworkDriver):
    """Makes the host look as nimbus-network's managers want it."""

    def __init__(self, iptables_manager=None):
        self.iptables = iptables_manager or iptables.IptablesManager()
        self._lock = threading.Lock()
        self._dnsmasq = {}         # bridge -> dnsmasq.Dnsmasq
        self._fixed_ranges = []

    # Start-up -----------------------------------------------------------

    def initialize(self, fixed_ranges):
        links.set_sysctl('net.ipv4.ip_forward', 1)
        with self.iptables.deferred() as ipt:
            self._fixed_ranges = sorted({_net(r) for r in fixed_ranges})
            self._ensure_chains(ipt)
            ipt.set_rules('nat', 'nimbus-POSTROUTING',
                          self._postrouting_rules())
            ipt.set_rules('nat', 'nimbus-snat', self._snat_rules())

    @staticmethod
    def _ensure_chains(ipt):
        # The chains and jumps NAT needs, kept as they are when present:
        # floating IPs work even when initialize() was not called (a
        # FlatManager host).
        for builtin in ('PREROUTING', 'OUTPUT', 'POSTROUTING'):
            chain = 'nimbus-' + builtin
            ipt.ensure_chain('nat', chain)
            ipt.ensure_jump('nat', builtin, chain, top=True)
        ipt.ensure_chain('nat', 'nimbus-float-snat')
        if not ipt.rules('nat', 'nimbus-POSTROUTING'):
            ipt.set_rules('nat', 'nimbus-POSTROUTING', ['-j nimbus-snat'])
        if not ipt.rules('nat', 'nimbus-snat'):
            ipt.set_rules('nat', 'nimbus-snat', ['-j nimbus-float-snat'])
        ipt.ensure_chain('filter', 'nimbus-FORWARD')
        ipt.ensure_jump('filter', 'FORWARD', 'nimbus-FORWARD', top=False)

    def _postrouting_rules(self):
        rules = []
        metadata_host = CONF.metadata_host
        for source in self._fixed_ranges:
            if metadata_host:
                rules.append('-s %s -d %s -j ACCEPT'
                             % (source, _host(metadata_host)))
            for target in self._fixed_ranges:
                # Instance to instance keeps its address, except when the
                # destination was a floating IP (DNAT): the reply must
                # come back through this host.
                rules.append('-s %s -d %s -m conntrack ! --ctstate DNAT '
                             '-j ACCEPT' % (source, target))
        rules.append('-j nimbus-snat')
        return rules

    def _snat_rules(self):
        rules = ['-j nimbus-float-snat']
        out = ' -o %s' % CONF.public_interface if CONF.public_interface \
            else ''
        if CONF.routing_source_ip:
            rules += ['-s %s%s -j SNAT --to-source %s'
                      % (source, out, CONF.routing_source_ip)
                      for source in self._fixed_ranges]
        return rules

    # Links ------------------------------------------------------------------

    def ensure_vlan(self, vlan, interface, mtu=None):
        return links.ensure_vlan(vlan, interface, mtu=mtu)

    def ensure_bridge(self, bridge, interface, address=None):
        links.ensure_bridge(bridge, interface, address)
        with self.iptables.deferred() as ipt:
            self._ensure_chains(ipt)
            ipt.add_rule('filter', 'nimbus-FORWARD', '-i %s -j ACCEPT'
                         % bridge)
            ipt.add_rule('filter', 'nimbus-FORWARD', '-o %s -j ACCEPT'
                         % bridge)

    # DHCP -------------------------------------------------------------------

    def _dhcp(self, network):
        server = dnsmasq.Dnsmasq(
            network, CONF.networks_path, CONF.dhcpbridge,
            dhcpbridge_config_files=(CONF.dhcpbridge_flagfile or
                                     CONF.config_file),
            lease_time=CONF.dhcp_lease_time, dns_servers=CONF.dns_server,
            domain=CONF.dhcp_domain, config_file=CONF.dnsmasq_config_file)
        with self._lock:
            # The latest network dict wins (dhcp_server, DNS may change).
            self._dnsmasq[network['bridge']] = server
        return server

    def update_dhcp(self, network, hosts):
        self._dhcp(network).update(hosts)

    def change_dhcp_hosts(self, network, added=(), removed=()):
        # dnsmasq reads whole files: the hosts file, as last written, is
        # the list to change.
        server = self._dhcp(network)
        hosts = server.read_hosts()
        if hosts is None:
            return False
        server.update(self.changed_hosts(hosts, added, removed))
        return True

    def release_dhcp(self, network, address, mac):
        self._dhcp(network).release(address, mac)

    def kill_dhcp(self, network):
        self._dhcp(network).stop()
        with self._lock:
            self._dnsmasq.pop(network['bridge'], None)

    def dhcp_pid(self, network):
        """PID of the network's dnsmasq, or None (for tests, status)."""
        return self._dhcp(network).pid()

    # Floating IPs and metadata -------------------------------------------

    @staticmethod
    def _floating_rules(floating_ip, fixed_ip):
        dnat = '-d %s -j DNAT --to-destination %s' % (_host(floating_ip),
                                                      fixed_ip)
        snat = '-s %s -j SNAT --to-source %s' % (_host(fixed_ip),
                                                 floating_ip)
        return [('nimbus-PREROUTING', dnat), ('nimbus-OUTPUT', dnat),
                ('nimbus-float-snat', snat)]

    def ensure_floating_ip(self, floating_ip, fixed_ip, interface):
        links.add_address(interface or CONF.public_interface,
                          _host(floating_ip))
        with self.iptables.deferred() as ipt:
            self._ensure_chains(ipt)
            for chain, rule in self._floating_rules(floating_ip, fixed_ip):
                ipt.add_rule('nat', chain, rule)

    def remove_floating_ip(self, floating_ip, fixed_ip, interface):
        with self.iptables.deferred() as ipt:
            for chain, rule in self._floating_rules(floating_ip, fixed_ip):
                ipt.remove_rule('nat', chain, rule)
        links.remove_address(interface or CONF.public_interface,
                             _host(floating_ip))
        # Connections made through it would otherwise go on being NATed.
        links.forget_connections(floating_ip)

    def ensure_metadata_forward(self, metadata_host, metadata_port):
        rule = ('-d %s -p tcp -m tcp --dport 80 -j DNAT --to-destination '
                '%s:%d' % (_host(METADATA_ADDRESS), metadata_host,
                           int(metadata_port)))
        if ipaddress.ip_address(metadata_host).is_loopback:
            # DNAT of traffic from the bridges to 127.0.0.0/8.
            links.set_sysctl('net.ipv4.conf.all.route_localnet', 1)
        prefix = rule.split(' -j ')[0] + ' -j DNAT '
        with self.iptables.deferred() as ipt:
            self._ensure_chains(ipt)
            # One forward: an earlier one (another host or port, maybe
            # from before a restart) goes.
            for old in ipt.rules('nat', 'nimbus-PREROUTING') or ():
                if old.startswith(prefix) and old != rule:
                    ipt.remove_rule('nat', 'nimbus-PREROUTING', old)
            ipt.add_rule('nat', 'nimbus-PREROUTING', rule)

    def teardown(self):
        """Remove every iptables chain and jump of this driver (for an
        operator taking nimbus off a host, and tests); links, addresses
        and dnsmasq stay."""
        with self.iptables.deferred() as ipt:
            for chain in ('nimbus-PREROUTING', 'nimbus-OUTPUT',
                          'nimbus-POSTROUTING', 'nimbus-snat',
                          'nimbus-float-snat'):
                ipt.remove_chain('nat', chain)
            ipt.remove_chain('filter', 'nimbus-FORWARD')
