"""[DEFAULT] options of nimbus-network and ``nimbus-manage network``.

Names, groups and meanings are nova-network's, so that existing guides and
configuration files carry over.
"""

import os
import sys

from oslo_config import cfg

network_opts = [
    cfg.StrOpt(
        'network_manager',
        default='nimbus.network.manager.FlatDHCPManager',
        help='Full class name of the network manager: '
             'nimbus.network.manager.FlatManager (operator-made bridge, '
             'addresses injected into guests, no DHCP), '
             'nimbus.network.manager.FlatDHCPManager (nimbus makes the '
             'bridge and runs dnsmasq) or '
             'nimbus.network.manager.VlanManager (a VLAN, bridge and '
             'network per project).'),
    cfg.StrOpt(
        'network_driver',
        default='nimbus.network.fake_driver',
        help='Module of the host network driver (bridges, VLANs, dnsmasq, '
             'NAT); it defines a Driver class implementing '
             'nimbus.network.driver.NetworkDriver.'),
    cfg.StrOpt(
        'flat_network_bridge',
        default='br100',
        help='Bridge of flat networks that `nimbus-manage network create` '
             'is not given one with --bridge.'),
    cfg.StrOpt(
        'flat_interface',
        help='Physical interface to add to the bridge of flat networks '
             'that are not given one with --bridge_interface.'),
    cfg.BoolOpt(
        'flat_injected',
        default=False,
        help='With FlatManager, have the network configuration written '
             'into the guest (networks are created with injected set).'),
    cfg.StrOpt(
        'vlan_interface',
        help='Physical interface carrying the VLANs of VlanManager, for '
             'networks not given one with --bridge_interface.'),
    cfg.IntOpt(
        'vlan_start',
        default=100,
        min=1,
        max=4094,
        help='First VLAN id of `nimbus-manage network create` under '
             'VlanManager when --vlan is not given.'),
    cfg.IntOpt(
        'vpn_start',
        default=1000,
        min=1,
        max=65535,
        help='First VPN port of VlanManager networks when --vpn is not '
             'given; network N of a create gets vpn_start + N.'),
    cfg.IntOpt(
        'num_networks',
        default=1,
        min=1,
        help='Number of networks `nimbus-manage network create` makes '
             'when --num_networks is not given.'),
    cfg.IntOpt(
        'network_size',
        default=256,
        min=4,
        help='Addresses per network (a power of two) when --network_size '
             'is not given; a smaller range gives a smaller network.'),
    cfg.StrOpt(
        'fixed_range_v4',
        help='IPv4 range (CIDR) of `nimbus-manage network create` when '
             '--fixed_range_v4 is not given.'),
    cfg.BoolOpt(
        'multi_host',
        default=False,
        help='Default of new networks: served by a nimbus-network on '
             'every compute node rather than by one network host. Also '
             'makes callers send allocation requests to the network '
             'service on the instance\'s own host.'),
    cfg.IntOpt(
        'dhcp_lease_time',
        default=86400,
        min=120,
        help='Lifetime of a DHCP lease, in seconds.'),
    cfg.MultiStrOpt(
        'dns_server',
        default=[],
        help='Upstream DNS server dnsmasq forwards to; may be given more '
             'than once. Guests use the DNS servers of their network '
             '(dns1, dns2) or else dnsmasq itself.'),
    cfg.IntOpt(
        'fixed_ip_disassociate_timeout',
        default=600,
        min=0,
        help='Seconds after which a deallocated fixed IP whose DHCP lease '
             'never ended goes back to the pool.'),
    cfg.BoolOpt(
        'force_dhcp_release',
        default=True,
        help='Release the DHCP lease of a deallocated fixed IP at once '
             '(dhcp_release) and return the address to the pool, rather '
             'than wait for the lease to end.'),
]

# The Linux network driver (nimbus.network.linux_net) and the iptables
# firewall of nimbus-compute.
linux_net_opts = [
    cfg.StrOpt(
        'public_interface',
        default='eth0',
        help='Interface floating IPs are added to, and out of which '
             'instance traffic is SNATed to routing_source_ip.'),
    cfg.StrOpt(
        'routing_source_ip',
        default='$my_ip',
        help='Source address instances\' outbound traffic is SNATed to '
             '(instances with a floating IP use that instead).'),
    cfg.StrOpt(
        'metadata_host',
        default='$my_ip',
        help='Address of the metadata API that requests of instances to '
             '169.254.169.254:80 are forwarded (DNAT) to; traffic from '
             'instances to it is not SNATed.'),
    cfg.PortOpt(
        'metadata_port',
        default=8775,
        help='Port of the metadata API at metadata_host.'),
    cfg.StrOpt(
        'networks_path',
        default='$state_path/networks',
        help='Directory of the files of the dnsmasq of each network (pid, '
             'hosts, leases, options).'),
    cfg.StrOpt(
        'dhcpbridge',
        default=os.path.join(os.path.dirname(sys.executable),
                             'nimbus-dhcpbridge'),
        sample_default='<directory of the python executable>'
                       '/nimbus-dhcpbridge',
        help='Executable dnsmasq runs on every lease event '
             '(--dhcp-script).'),
    cfg.MultiStrOpt(
        'dhcpbridge_flagfile',
        default=[],
        help='Config file(s) nimbus-dhcpbridge reads; by default those '
             'nimbus-network was started with. They must give it the '
             'transport_url and this host\'s name (host).'),
    cfg.StrOpt(
        'dnsmasq_config_file',
        default='',
        help='Extra dnsmasq configuration file given to every dnsmasq '
             '(--conf-file); empty for none.'),
    cfg.StrOpt(
        'dhcp_domain',
        default='novalocal',
        help='Domain dnsmasq gives instances (--domain); their hostnames '
             'are <hostname>.<dhcp_domain>.'),
    cfg.StrOpt(
        'default_floating_pool',
        default='nova',
        help='Pool of `nimbus-manage floating create` without --pool, and '
             'of floating IPs allocated without naming a pool.'),
    cfg.BoolOpt(
        'auto_assign_floating_ip',
        default=False,
        help='Give every new instance a floating IP of '
             'default_floating_pool (released again when the instance is '
             'deleted; not counted against the floating_ips quota).'),
]


def register_opts(conf):
    conf.register_opts(network_opts)
    conf.register_opts(linux_net_opts)


def list_opts():
    return {'DEFAULT': network_opts + linux_net_opts}
