"""nimbus-network: fixed and floating IPs, bridges, dnsmasq, NAT.

Like nova-network, it uses the database directly.
"""

import oslo_messaging as messaging
from oslo_log import log as logging

from nimbus.db.api import fixed_ip as fixed_ip_db
from nimbus import exception
from nimbus import manager

LOG = logging.getLogger(__name__)


class NetworkManager(manager.Manager):
    target = messaging.Target(version='1.0')
    service_name = 'network'

    def lease_fixed_ip(self, context, address, mac):
        """nimbus-dhcpbridge saw dnsmasq hand ``address`` to ``mac``."""
        self._set_leased(context, address, mac, True)

    def release_fixed_ip(self, context, address, mac):
        """nimbus-dhcpbridge saw the lease of ``address`` end."""
        self._set_leased(context, address, mac, False)

    def _set_leased(self, context, address, mac, leased):
        # Casts from dnsmasq: a bad event is logged, never raised back.
        try:
            fixed_ip_db.fixed_ip_set_leased(context, address, mac, leased)
        except exception.NimbusException as exc:
            LOG.warning('Ignoring DHCP %s of %s for %s: %s',
                        'lease' if leased else 'release', address, mac,
                        exc.format_message())
            return
        LOG.debug('Fixed IP %s %s by %s', address,
                  'leased' if leased else 'released', mac)
