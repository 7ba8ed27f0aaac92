"""Security groups as iptables chains on the compute node
(``firewall_driver = nimbus.virt.iptables_firewall.IptablesFirewallDriver``).

Chains, all in the filter table (see nimbus.network.linux.iptables for
how they are written)::

  FORWARD, INPUT -> nimbus-filter-top -> nimbus-local
  nimbus-local      -j nimbus-egress, then -j nimbus-ingress
  nimbus-egress     per VIF: -m physdev --physdev-in <tap> -j nimbus-out-<id>
  nimbus-ingress    per fixed IP: -d <ip>/32 -j nimbus-in-<id>
  nimbus-out-<id>   anti-spoofing: DROP another MAC, RETURN the VIF's
                    fixed IPs (and its DHCP requests from 0.0.0.0), DROP
                    the rest
  nimbus-in-<id>    ACCEPT established/related, DHCP replies from the
                    network's DHCP server, the instance's own network
                    (allow_same_net_traffic) and what the rules allow;
                    DROP the rest

Egress is checked before ingress, so a spoofed packet from one instance
to another is dropped before the other's rules could accept it. Bridged
traffic passes iptables through br_netfilter (``physdev`` matches the
bridge port); ``initialize`` turns on bridge-nf-call-iptables in this
network namespace when it is off. INPUT is hooked too: a guest must not
reach the host (the metadata API, dnsmasq) with a spoofed address.

ARP is not filtered (it does not pass iptables); ebtables would do it.
"""

import hashlib
import ipaddress
import re

from oslo_log import log as logging

from nimbus.conf import CONF
from nimbus.network.linux import iptables
from nimbus.network.linux import links
from nimbus.virt import firewall

LOG = logging.getLogger(__name__)

TABLE = 'filter'
TOP = 'nimbus-filter-top'
LOCAL = 'nimbus-local'
EGRESS = 'nimbus-egress'
INGRESS = 'nimbus-ingress'
BRIDGE_NF = 'net/bridge/bridge-nf-call-iptables'


def _instance_id(instance_uuid):
    """16 hex digits naming the instance's chains (28-character limit):
    the uuid's first 8, so that an operator finds them with grep, then 8
    of a hash of the whole uuid, so that uuids alike at the start do not
    share chains."""
    digits = re.sub('[^0-9a-f]', '', instance_uuid.lower())[:8]
    digest = hashlib.sha1(instance_uuid.encode()).hexdigest()
    return (digits + digest)[:8] + digest[:8]


def ingress_chain(instance_uuid):
    return 'nimbus-in-' + _instance_id(instance_uuid)


def egress_chain(instance_uuid):
    return 'nimbus-out-' + _instance_id(instance_uuid)


def _source(cidr):
    network = ipaddress.ip_network(cidr or '0.0.0.0/0', strict=False)
    return '' if network.prefixlen == 0 else '-s %s ' % network


def _port_range(low, high):
    if low is None or int(low) < 0:
        return ''
    high = low if high is None or int(high) < 0 else high
    if int(low) == int(high):
        return '%d' % int(low)
    return '%d:%d' % (int(low), int(high))


def rule_to_iptables(rule):
    """One security group rule as the canonical text of an ACCEPT rule."""
    protocol = (rule.get('protocol') or '').lower()
    source = _source(rule.get('cidr'))
    if protocol in ('tcp', 'udp'):
        ports = _port_range(rule.get('from_port'), rule.get('to_port'))
        match = ' -m %s --dport %s' % (protocol, ports) if ports else ''
        return '%s-p %s%s -j ACCEPT' % (source, protocol, match)
    if protocol == 'icmp':
        icmp_type = rule.get('from_port')
        icmp_code = rule.get('to_port')
        match = ''
        if icmp_type is not None and int(icmp_type) >= 0:
            match = ' -m icmp --icmp-type %d' % int(icmp_type)
            if icmp_code is not None and int(icmp_code) >= 0:
                match += '/%d' % int(icmp_code)
        return '%s-p icmp%s -j ACCEPT' % (source, match)
    return '%s-j ACCEPT' % source


def _subnets(network_info):
    for vif in network_info:
        for subnet in vif['network']['subnets']:
            yield vif, subnet


def ingress_rules(network_info, rules, allow_same_net_traffic):
    chain = ['-m conntrack --ctstate INVALID -j DROP',
             '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT']
    for _, subnet in _subnets(network_info):
        server = subnet.get('dhcp_server')
        if server:
            chain.append('-s %s/32 -p udp -m udp --sport 67 --dport 68 '
                         '-j ACCEPT' % server)
    if allow_same_net_traffic:
        for _, subnet in _subnets(network_info):
            chain.append('%s-j ACCEPT' % _source(subnet['cidr']))
    for rule in rules:
        text = rule_to_iptables(rule)
        if text not in chain:
            chain.append(text)
    chain.append('-j DROP')
    return chain


def egress_rules(network_info):
    """DROP what a VIF sends from another MAC, RETURN what it sends from
    its fixed IPs (and its DHCP requests from 0.0.0.0), DROP the rest.

    The chain is reached only from the VIFs' taps (``nimbus-egress``), so
    with a single VIF the tap is not matched again, and the MAC is
    matched once: every iptables-restore of the table costs more the more
    physdev and mac matches it holds."""
    vifs = list(network_info)
    several = len(vifs) > 1
    chain = []
    for vif in vifs:
        port = '-m physdev --physdev-in %s ' % vif['devname'] if several \
            else ''
        chain.append('%s-m mac ! --mac-source %s -j DROP'
                     % (port, vif['address'].lower()))
    for vif, subnet in _subnets(vifs):
        port = ' -m physdev --physdev-in %s' % vif['devname'] if several \
            else ''
        request = ('-s 0.0.0.0/32 -d 255.255.255.255/32 -p udp%s -m udp '
                   '--sport 68 --dport 67 -j RETURN' % port)
        if request not in chain:
            chain.append(request)
        for ip in subnet['ips']:
            chain.append('-s %s/32%s -j RETURN' % (ip['address'], port))
    chain.append('-j DROP')
    return chain


class IptablesFirewallDriver(firewall.FirewallDriver):
    """Per-instance chains on this host's iptables."""

    def __init__(self, iptables_manager=None):
        self.iptables = iptables_manager or iptables.IptablesManager()

    def initialize(self):
        # Per network namespace in recent kernels, and off in a new one
        # on some: without it bridged traffic skips iptables entirely.
        if links.set_sysctl(BRIDGE_NF, 1):
            LOG.warning('%s was off; turned it on so that bridged '
                        'instance traffic is filtered', BRIDGE_NF)
        with self.iptables.deferred() as ipt:
            ipt.set_rules(TABLE, TOP, ['-j ' + LOCAL])
            ipt.set_rules(TABLE, LOCAL, ['-j ' + EGRESS, '-j ' + INGRESS])
            ipt.ensure_chain(TABLE, EGRESS)
            ipt.ensure_chain(TABLE, INGRESS)
            for builtin in ('FORWARD', 'INPUT'):
                ipt.ensure_jump(TABLE, builtin, TOP, top=True)

    def apply_instance_filter(self, instance_uuid, network_info, rules):
        inbound = ingress_chain(instance_uuid)
        outbound = egress_chain(instance_uuid)
        with self.iptables.deferred() as ipt:
            if not ipt.has_chain(TABLE, TOP):
                self.initialize()
            ipt.set_rules(TABLE, inbound, ingress_rules(
                network_info, rules, CONF.allow_same_net_traffic))
            ipt.set_rules(TABLE, outbound, egress_rules(network_info))
            ipt.replace_jumps_to(TABLE, EGRESS, outbound, [
                '-m physdev --physdev-in %s -j %s' % (vif['devname'],
                                                      outbound)
                for vif in network_info])
            ipt.replace_jumps_to(TABLE, INGRESS, inbound, [
                '-d %s/32 -j %s' % (ip['address'], inbound)
                for _, subnet in _subnets(network_info)
                for ip in subnet['ips']])
        LOG.debug('Applied the filter of instance %s (%d rules)',
                  instance_uuid, len(rules))

    def remove_instance_filter(self, instance_uuid):
        inbound = ingress_chain(instance_uuid)
        outbound = egress_chain(instance_uuid)
        with self.iptables.deferred() as ipt:
            for dispatch, chain in ((EGRESS, outbound), (INGRESS, inbound)):
                if ipt.has_chain(TABLE, dispatch):
                    ipt.replace_jumps_to(TABLE, dispatch, chain, [])
                if ipt.has_chain(TABLE, chain):
                    ipt.remove_chain(TABLE, chain)

    def instance_filtered(self, instance_uuid):
        return self.iptables.has_chain(TABLE, ingress_chain(instance_uuid))

    def teardown(self):
        """Remove every chain and jump of this driver, instance filters
        included (for an operator taking nimbus off a host, and tests)."""
        with self.iptables.deferred() as ipt:
            for chain in ipt.chains(TABLE, 'nimbus-in-') + \
                    ipt.chains(TABLE, 'nimbus-out-'):
                ipt.remove_chain(TABLE, chain)
            for chain in (EGRESS, INGRESS, LOCAL, TOP):
                ipt.remove_chain(TABLE, chain)

    def remove_filters_except(self, instance_uuids):
        """Remove the filters of every instance not in ``instance_uuids``
        (instances deleted while nimbus-compute was down): for the compute
        manager at start-up, after ``initialize``, with the instances of
        this host. Returns the number of chains removed."""
        keep = set()
        for instance_uuid in instance_uuids:
            keep.update((ingress_chain(instance_uuid),
                         egress_chain(instance_uuid)))
        with self.iptables.deferred() as ipt:
            stale = [chain for chain in ipt.chains(TABLE, 'nimbus-in-') +
                     ipt.chains(TABLE, 'nimbus-out-') if chain not in keep]
            for chain in stale:
                dispatch = INGRESS if chain.startswith('nimbus-in-') \
                    else EGRESS
                if ipt.has_chain(TABLE, dispatch):
                    ipt.replace_jumps_to(TABLE, dispatch, chain, [])
                ipt.remove_chain(TABLE, chain)
        if stale:
            LOG.info('Removed %d iptables chains of instances no longer on '
                     'this host', len(stale))
        return len(stale)
