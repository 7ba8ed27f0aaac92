"""Client side of the network RPC API."""

from nimbus import rpc

RPC_TOPIC = 'network'


class NetworkAPI(rpc.ClientBase):
    """Client side of the network RPC API.

    API version history:

    * 1.0 - Initial version: lease_fixed_ip, release_fixed_ip (casts from
            nimbus-dhcpbridge).
    """

    TOPIC = RPC_TOPIC
    BASE_VERSION = '1.0'
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
