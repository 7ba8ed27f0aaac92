"""Floating IPs: pools of public addresses that ``nimbus-manage floating
create`` makes, allocated to projects (within their ``floating_ips``
quota) and associated with an instance's fixed IP.

The database work runs in whichever nimbus-network receives the call; the
host work (the address on the public interface, DNAT and SNAT) on the
network service serving the fixed IP's network: the instance's own host
for a multi_host network, else the network's host. ``FloatingIpMixin``
holds the RPC endpoints of the network manager; the functions below it are
what ``nimbus-manage floating`` runs.
"""

import ipaddress

from oslo_log import log as logging

from nimbus.conf import CONF
from nimbus import context as nimbus_context
from nimbus.db.api import fixed_ip as fixed_ip_db
from nimbus.db.api import floating_ip as floating_ip_db
from nimbus.db.api import network as network_db
from nimbus import exception
from nimbus import quota

LOG = logging.getLogger(__name__)

# A range larger than this would be a typing mistake (65534 addresses).
MIN_PREFIXLEN = 16


class FloatingIpMixin:
    """RPC endpoints (network API 1.2) and start-up of floating IPs; mixed
    into NetworkManager, which provides driver, host, network_rpcapi,
    _serving_host and get_instance_nw_info."""

    # Start-up ---------------------------------------------------------------

    def init_floating_ips(self, context):
        """Forward metadata requests, and put back every floating IP this
        host serves (the host may have rebooted)."""
        try:
            self.driver.ensure_metadata_forward(CONF.metadata_host,
                                                CONF.metadata_port)
        except Exception:
            LOG.exception('Could not forward metadata requests to %s:%s',
                          CONF.metadata_host, CONF.metadata_port)
        for floating in floating_ip_db.floating_ip_get_all_by_host(
                context, self.host):
            try:
                self.driver.ensure_floating_ip(
                    floating['address'], floating['fixed_ip'],
                    _interface(floating))
            except Exception:
                LOG.exception('Could not restore floating IP %s',
                              floating['address'])

    # RPC API 1.2 ------------------------------------------------------------

    def allocate_floating_ip(self, context, project_id, pool=None,
                             auto_assigned=False):
        """Give the project an address of ``pool``; returns it as a dict.
        Raises NoMoreFloatingIps, or OverQuota (not for auto-assigned
        addresses, which do not count)."""
        pool = pool or CONF.default_floating_pool
        admin = context.elevated()
        if auto_assigned:
            return floating_ip_db.floating_ip_allocate_address(
                admin, project_id, pool, auto_assigned=True)
        return quota.QUOTAS.check_deltas_and_run(
            admin, project_id, None, {'floating_ips': 1},
            lambda txn: floating_ip_db.floating_ip_allocate_address(
                txn, project_id, pool))

    def deallocate_floating_ip(self, context, address):
        """Return an address to its pool, disassociating it first."""
        admin = context.elevated()
        floating = floating_ip_db.floating_ip_get_by_address(admin, address)
        if floating['fixed_ip_id'] is not None:
            self.disassociate_floating_ip(context, address)
        floating_ip_db.floating_ip_deallocate(admin, address)
        LOG.info('Floating IP %s returned to pool %s', address,
                 floating['pool'])

    def associate_floating_ip(self, context, floating_address,
                              fixed_address):
        """Make ``floating_address`` reach ``fixed_address``: recorded in
        the database, then set up by the serving network host. Raises
        FloatingIpAssociated when it is associated elsewhere."""
        admin = context.elevated()
        fixed = fixed_ip_db.fixed_ip_get_by_address(admin, fixed_address)
        if not fixed['instance_uuid']:
            raise exception.FixedIpNotAssociated(address=fixed_address)
        network = network_db.network_get(admin, fixed['network_id'])
        host = self._serving_host(admin, network, fixed['host'])
        floating_ip_db.floating_ip_fixed_ip_associate(
            admin, floating_address, fixed_address, host)
        floating = floating_ip_db.floating_ip_get_by_address(
            admin, floating_address)
        try:
            self._on_host(admin, host, 'ensure_floating_ip',
                          floating_address, fixed_address,
                          _interface(floating))
        except Exception:
            LOG.exception('Could not set up floating IP %s on %s; undoing '
                          'the association', floating_address, host)
            floating_ip_db.floating_ip_disassociate(admin, floating_address)
            raise
        self._refresh_info_cache(admin, fixed['instance_uuid'])
        LOG.info('Floating IP %s associated with %s (instance %s) on %s',
                 floating_address, fixed_address, fixed['instance_uuid'],
                 host)

    def disassociate_floating_ip(self, context, address):
        """Undo an association; FloatingIpNotAssociated when there is
        none."""
        admin = context.elevated()
        before, fixed = floating_ip_db.floating_ip_disassociate(admin,
                                                                address)
        if fixed is None:
            raise exception.FloatingIpNotAssociated(address=address)
        try:
            self._on_host(admin, before['host'], 'remove_floating_ip',
                          address, fixed['address'], _interface(before))
        except Exception:
            # The database is right; the host drops the address at its
            # next start (init_host re-applies only associated ones).
            LOG.exception('Could not remove floating IP %s from %s',
                          address, before['host'])
        if fixed['instance_uuid']:
            self._refresh_info_cache(admin, fixed['instance_uuid'])
        LOG.info('Floating IP %s disassociated from %s', address,
                 fixed['address'])

    def ensure_floating_ip(self, context, floating_address, fixed_address,
                           interface):
        """Host side of an association, on the serving host."""
        self.driver.ensure_floating_ip(floating_address, fixed_address,
                                       interface)

    def remove_floating_ip(self, context, floating_address, fixed_address,
                           interface):
        """Host side of a disassociation, on the serving host."""
        self.driver.remove_floating_ip(floating_address, fixed_address,
                                       interface)

    # Instances ---------------------------------------------------------------

    def _auto_assign_floating_ip(self, context, instance_uuid, project_id,
                                 nw_info):
        """An auto-assigned floating IP for the first fixed IP; a boot
        does not fail for want of one (it is logged)."""
        fixed = [ip['address'] for vif in nw_info
                 for subnet in vif['network']['subnets']
                 for ip in subnet['ips']]
        if not fixed:
            return
        try:
            floating = self.allocate_floating_ip(context, project_id,
                                                 auto_assigned=True)
        except exception.NoMoreFloatingIps as exc:
            LOG.warning('No floating IP auto-assigned to %s: %s',
                        instance_uuid, exc.format_message())
            return
        try:
            self.associate_floating_ip(context, floating['address'],
                                       fixed[0])
        except Exception:
            LOG.exception('Could not associate auto-assigned floating IP '
                          '%s with %s', floating['address'], instance_uuid)
            floating_ip_db.floating_ip_deallocate(context.elevated(),
                                                  floating['address'])

    def _release_instance_floating_ips(self, context, instance_uuid):
        """Before an instance's fixed IPs go: disassociate its floating
        IPs, and return the auto-assigned ones to their pool."""
        admin = context.elevated()
        for address, auto_assigned in (
                floating_ip_db.floating_ip_addresses_by_instance(
                    admin, instance_uuid)):
            try:
                self.disassociate_floating_ip(admin, address)
                if auto_assigned:
                    floating_ip_db.floating_ip_deallocate(admin, address)
            except exception.NimbusException as exc:
                LOG.warning('Floating IP %s of instance %s: %s',
                            address, instance_uuid, exc.format_message())

    # Helpers -----------------------------------------------------------------

    def _on_host(self, context, host, method, *args):
        if host is None or host == self.host:
            getattr(self.driver, method)(*args)
        else:
            getattr(self.network_rpcapi, method)(context, host, *args)

    def _refresh_info_cache(self, context, instance_uuid):
        from nimbus.db.api import instance as instance_db
        from oslo_serialization import jsonutils
        try:
            nw_info = self.get_instance_nw_info(context, instance_uuid)
            instance_db.instance_info_cache_update(
                context, instance_uuid, jsonutils.dumps(nw_info))
        except exception.InstanceNotFound:
            pass


def _interface(floating):
    return floating.get('interface') or CONF.public_interface


# nimbus-manage floating ------------------------------------------------------

def parse_range(ip_range):
    """The addresses of ``ip_range``: a CIDR (its host addresses) or one
    address. Invalid when it is neither, not IPv4, or larger than /16."""
    try:
        network = ipaddress.ip_network(str(ip_range), strict=False)
    except ValueError:
        raise exception.Invalid(reason='%r is not an IPv4 address or range '
                                       '(CIDR)' % (ip_range,))
    if network.version != 4:
        raise exception.Invalid(reason='floating IP ranges are IPv4')
    if network.prefixlen < MIN_PREFIXLEN:
        raise exception.Invalid(reason='%s is too large (at most /%d)'
                                % (network, MIN_PREFIXLEN))
    if network.prefixlen >= 31:
        return [str(address) for address in network]
    return [str(address) for address in network.hosts()]


def create_range(ip_range, pool=None, interface=None, context=None):
    """Create the floating IPs of ``ip_range``; returns how many. Invalid
    or FloatingIpExists having written nothing."""
    addresses = parse_range(ip_range)
    context = context or nimbus_context.get_admin_context()
    return floating_ip_db.floating_ip_bulk_create(
        context, addresses, pool or CONF.default_floating_pool,
        interface or CONF.public_interface)


def delete_range(ip_range, context=None):
    """Delete the floating IPs of ``ip_range``; FloatingIpInUse (nothing
    deleted) while any is allocated to a project."""
    addresses = parse_range(ip_range)
    context = context or nimbus_context.get_admin_context()
    return floating_ip_db.floating_ip_bulk_destroy(context, addresses)


def list_all(context=None):
    context = context or nimbus_context.get_admin_context()
    return floating_ip_db.floating_ip_get_all(context)
