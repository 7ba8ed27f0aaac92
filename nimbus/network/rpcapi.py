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
    * 1.2 - Floating IPs: allocate_floating_ip, deallocate_floating_ip,
            associate_floating_ip, disassociate_floating_ip (calls from
            the API); ensure_floating_ip, remove_floating_ip (calls to the
            serving network host).
    """

    TOPIC = RPC_TOPIC
    BASE_VERSION = '1.2'
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

    # Floating IPs (1.2) -----------------------------------------------------

    def allocate_floating_ip(self, context, project_id, pool=None):
        """An address of ``pool`` for the project (call); its dict."""
        cctxt = self.prepare('1.2')
        return cctxt.call(context, 'allocate_floating_ip',
                          project_id=project_id, pool=pool)

    def deallocate_floating_ip(self, context, address):
        """Return an address to its pool, disassociated first (call)."""
        cctxt = self.prepare('1.2')
        cctxt.call(context, 'deallocate_floating_ip', address=address)

    def associate_floating_ip(self, context, floating_address,
                              fixed_address):
        """Make a floating IP reach a fixed IP (call)."""
        cctxt = self.prepare('1.2')
        cctxt.call(context, 'associate_floating_ip',
                   floating_address=floating_address,
                   fixed_address=fixed_address)

    def disassociate_floating_ip(self, context, address):
        """Undo an association (call)."""
        cctxt = self.prepare('1.2')
        cctxt.call(context, 'disassociate_floating_ip', address=address)

    def ensure_floating_ip(self, context, host, floating_address,
                           fixed_address, interface):
        """Have the network service on ``host`` set up NAT for a floating
        IP (call)."""
        cctxt = self.prepare('1.2', server=host)
        cctxt.call(context, 'ensure_floating_ip',
                   floating_address=floating_address,
                   fixed_address=fixed_address, interface=interface)

    def remove_floating_ip(self, context, host, floating_address,
                           fixed_address, interface):
        """Have the network service on ``host`` remove a floating IP
        (call)."""
        cctxt = self.prepare('1.2', server=host)
        cctxt.call(context, 'remove_floating_ip',
                   floating_address=floating_address,
                   fixed_address=fixed_address, interface=interface)
