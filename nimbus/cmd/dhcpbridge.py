"""nimbus-dhcpbridge: dnsmasq's --dhcp-script.

dnsmasq runs ``nimbus-dhcpbridge add|old|del MAC IP [HOSTNAME]`` on every
lease event; this reports it to nimbus-network, which marks the fixed IP
leased or released.  dnsmasq passes no options of ours, so the config files
come from the environment: NIMBUS_CONFIG_FILE (comma-separated), inherited
from the nimbus-network that started dnsmasq.
"""

import os
import sys

from oslo_log import log as logging

from nimbus.cmd import common
from nimbus.conf import CONF
from nimbus import context as nimbus_context
from nimbus.network import rpcapi as network_rpcapi

LOG = logging.getLogger(__name__)

ACTIONS = ('add', 'old', 'del')
USAGE = 'usage: nimbus-dhcpbridge add|old|del MAC IP [HOSTNAME]'


def _config_args():
    files = os.environ.get('NIMBUS_CONFIG_FILE', '')
    args = []
    for path in filter(None, files.split(',')):
        args += ['--config-file', path]
    return args


def main(argv=None):
    argv = sys.argv if argv is None else argv
    event = argv[1:]
    if event[:1] == ['init']:
        # dnsmasq asks for the leases to restore at start; nimbus keeps
        # them in its database and writes static host entries instead.
        return 0
    if len(event) not in (3, 4) or event[0] not in ACTIONS:
        print(USAGE, file=sys.stderr)
        return 2
    action, mac, address = event[:3]
    common.init([argv[0]] + _config_args())
    network = network_rpcapi.NetworkAPI()
    context = nimbus_context.get_admin_context()
    if action in ('add', 'old'):
        network.lease_fixed_ip(context, address, mac, host=CONF.host)
    else:
        network.release_fixed_ip(context, address, mac, host=CONF.host)
    LOG.debug('dhcpbridge %s %s %s reported', action, mac, address)
    return 0
