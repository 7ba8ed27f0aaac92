"""[DEFAULT] options of the Linux network driver
(``network_driver = linux_net``): dnsmasq, nimbus-dhcpbridge and NAT.

``public_interface``, ``metadata_host`` and ``metadata_port``, which it
uses too, are nimbus-network's (nimbus/conf/network.py). Names are
nova-network's.
"""

import os
import sys

from oslo_config import cfg

linux_net_opts = [
    cfg.StrOpt(
        'routing_source_ip',
        default='$my_ip',
        help='Source address instances\' outbound traffic is SNATed to '
             '(instances with a floating IP use that instead).'),
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
]


def register_opts(conf):
    conf.register_opts(linux_net_opts)


def list_opts():
    return {'DEFAULT': linux_net_opts}
