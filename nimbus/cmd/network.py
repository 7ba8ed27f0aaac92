"""nimbus-network: fixed and floating IPs, bridges, dnsmasq, NAT."""

from nimbus.cmd import common
from nimbus.network import manager


def main(argv=None):
    return common.rpc_service_main('nimbus-network', 'network',
                                   manager.load_network_manager,
                                   argv=argv)
