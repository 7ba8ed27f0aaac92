"""Client side of the network RPC API."""

from nimbus.conf import CONF
from nimbus import rpc

RPC_TOPIC = 'network'


class NetworkAPI(rpc.ClientBase):
    """Client side of the network RPC API.

    API version history:

    * 1.0 - Initial version: lease_fixed_ip, release_fixed_ip (casts from
            nimbus-dhcpbridge).
    * 1.1 - allocate_for_instance, deallocate_for_instance,
            get_instance_nw_info (calls); refresh_network (cast between
            network services).
    """

    TOPIC = RPC_TOPIC
    BASE_VERSION = '1.1'
    UPGRADE_LEVEL = 'network'
    VERSION_ALIASES = {'grizzly': '1.0'}

    def lease_fixed_ip(self, context, address, mac, host=None):
        """dnsmasq handed out ``address`` to ``mac`` (cast)."""
        cctxt = self.prepare('1.0', server=host)
        cctxt.cast(context, 'lease_fixed_ip', address=address, mac=mac)

    def release_fixed_ip(self, context, address, mac, host=None):
        """The lease of ``address`` ended (cast)."""
        cctxt = self.prepare('1.0', server=host)
        cctxt.cast(context, 'release_fixed_ip', address=address, mac=mac)

    @staticmethod
    def _server(host):
        # As nova-network: with multi_host, each compute node's own
        # network service serves the instances of that node.
        return host if CONF.multi_host and host else None

    def allocate_for_instance(self, context, instance_uuid, project_id, host,
                              requested_networks=None, macs=None):
        """Interfaces and fixed IPs for an instance on ``host`` (call);
        returns its network_info, a list of VIF dicts."""
        cctxt = self.prepare('1.1', server=self._server(host))
        return cctxt.call(context, 'allocate_for_instance',
                          instance_uuid=instance_uuid, project_id=project_id,
                          host=host, requested_networks=requested_networks,
                          macs=list(macs) if macs is not None else None)

    def deallocate_for_instance(self, context, instance_uuid, host=None):
        """Take back an instance's fixed IPs and interfaces (call)."""
        cctxt = self.prepare('1.1', server=self._server(host))
        cctxt.call(context, 'deallocate_for_instance',
                   instance_uuid=instance_uuid, host=host)

    def get_instance_nw_info(self, context, instance_uuid):
        """An instance's network_info, from any network service (call)."""
        cctxt = self.prepare('1.1')
        return cctxt.call(context, 'get_instance_nw_info',
                          instance_uuid=instance_uuid)

    def refresh_network(self, context, network_uuid, host, released=None):
        """Have the network service on ``host`` plug the network, release
        ``released`` leases ([address, mac] pairs) and rewrite its DHCP
        entries (cast)."""
        cctxt = self.prepare('1.1', server=host)
        cctxt.cast(context, 'refresh_network', network_uuid=network_uuid,
                   released=[list(pair) for pair in released or ()])
