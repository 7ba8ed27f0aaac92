"""nimbus-network: fixed IPs, virtual interfaces, bridges, dnsmasq.

Like nova-network, it uses the database directly. Three managers, chosen by
``network_manager``:

- FlatManager: the operator makes the bridge; addresses are injected into
  guests (``flat_injected``); nothing runs on the host.
- FlatDHCPManager: nimbus plugs the bridge on ``flat_interface`` with the
  gateway address and runs a dnsmasq per network with static host entries.
- VlanManager: as FlatDHCP, on a VLAN of ``vlan_interface``, with one
  network per project, given to the project on its first allocation.

An allocation writes the interfaces, fixed IPs and the instance's info
cache in one transaction, then has the network's host (this one, or
another over RPC) update its bridge and DHCP entries. Host work is done by
the driver (``network_driver``), which never sees the database.
"""

import collections
import datetime
import threading

from oslo_db import exception as db_exc
from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_serialization import jsonutils
from oslo_utils import excutils
from oslo_utils import importutils
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from nimbus.conf import CONF
from nimbus import context as nimbus_context
from nimbus.db.api import fixed_ip as fixed_ip_db
from nimbus.db.api import floating_ip as floating_ip_db
from nimbus.db.api import instance as instance_db
from nimbus.db.api import network as network_db
from nimbus.db.api import security_group as sg_db
from nimbus.db.api import utils as db_utils
from nimbus.db.api import virtual_interface as vif_db
from nimbus.db import models
from nimbus.db import session as db_session
from nimbus import exception
from nimbus import manager
from nimbus.network import addresses
from nimbus.network import driver as network_driver
from nimbus.network import floating_ips
from nimbus.network import model
from nimbus.network import rpcapi as network_rpcapi

LOG = logging.getLogger(__name__)

# Whole allocations tried when a random MAC was taken already, or taken
# by another allocation at the same time (1 in 16M collide).
ALLOCATION_ATTEMPTS = 5


# Seconds between rewrites of every DHCP entry of the networks served
# here (they are otherwise changed one by one).
DHCP_RESYNC_INTERVAL = 600


def _name(network):
    return '%s (%s)' % (network['label'], network['uuid'])


def _dhcp_host(fixed_ip, mac, hostname):
    """The DHCP entry of a fixed IP, as fixed_ip_get_dhcp_hosts has it."""
    return {'address': fixed_ip['address'], 'mac': mac,
            'instance_uuid': fixed_ip['instance_uuid'],
            'hostname': hostname or
            'host-' + fixed_ip['address'].replace('.', '-')}


class NetworkManager(floating_ips.FloatingIpMixin, manager.Manager):
    """Allocation of fixed IPs and interfaces, common to every mode.

    Used as is, it behaves as FlatManager: networks of the project and
    networks of no project, nothing done on the host.
    """

    target = messaging.Target(version='1.2')
    service_name = 'network'

    # Plugs its networks on the host and runs dnsmasq for them.
    DHCP = False
    # One network per project (VLAN), given on the project's first use.
    VLAN = False
    # Networks it creates are marked for injection (flat_injected).
    INJECTED = False

    def __init__(self, host=None, network_driver_name=None):
        super().__init__(host=host)
        self.driver = network_driver.load_network_driver(
            network_driver_name or CONF.network_driver)
        self._rpcapi = None
        self._locks_guard = threading.Lock()
        self._network_locks = {}
        self._networks = {}   # id -> network dict (see _network_get)
        # Networks whose every DHCP entry the driver got since start: it
        # may then be given just what changed.
        self._dhcp_synced = set()
        # (multi_host network id, host) -> the host's address on it
        self._host_addresses = {}
        # network id -> {(address, mac): when the deallocation removing
        # that DHCP entry began} (see _remember_removed)
        self._dhcp_removed = {}

    @property
    def network_rpcapi(self):
        if self._rpcapi is None:
            self._rpcapi = network_rpcapi.NetworkAPI()
        return self._rpcapi

    def _network_lock(self, network_id):
        # Reading the DHCP entries and handing them to the driver must not
        # interleave with another refresh of the network, or an older list
        # could be written last.
        with self._locks_guard:
            return self._network_locks.setdefault(network_id,
                                                  threading.Lock())

    # Start-up -------------------------------------------------------------

    def init_host(self):
        """Restore what this host serves: NAT, bridges, DHCP entries,
        metadata forwarding and floating IPs."""
        if not self.DHCP:
            return
        context = nimbus_context.get_admin_context()
        self.driver.initialize(
            [net['cidr'] for net in network_db.network_get_all(context)])
        for network in network_db.network_get_all_by_host(context,
                                                          self.host):
            try:
                self._refresh_network_on_host(context, network)
            except Exception:
                LOG.exception('Could not set up network %s on this host',
                              _name(network))
        self.init_floating_ips(context)

    # RPC API 1.1 ------------------------------------------------------------

    def allocate_for_instance(self, context, instance_uuid, project_id, host,
                              requested_networks=None, macs=None):
        """Give an instance an interface and a fixed IP on each network it
        gets; returns its network_info (see nimbus.network.model).

        ``requested_networks``: None or 'auto' (every network available
        to the project), 'none', or a list of {'uuid', 'fixed_ip'}.
        ``macs``: MACs the hypervisor insists on, one per interface. On
        any failure nothing stays allocated.
        """
        requested = model.parse_requested_networks(requested_networks)
        admin = context.elevated()
        has_vifs, hostname, networks = self._instance_and_networks(
            admin, instance_uuid, project_id, requested)
        if has_vifs:
            # A retried call (e.g. after an RPC timeout): answer the same.
            LOG.info('Instance %s already has interfaces; not allocating '
                     'again', instance_uuid)
            return self.get_instance_nw_info(context, instance_uuid)
        self._remember_networks(networks)
        wanted = {net_uuid: address for net_uuid, address in requested or ()
                  if address}
        macs = self._check_macs(macs, len(networks))
        host = host or self.host
        dhcp_servers = self._dhcp_servers(admin, networks, host)
        nw_info, fixed_ips = self._allocate_in_db(
            admin, instance_uuid, host, networks, wanted, macs, dhcp_servers)
        try:
            for network, fixed_ip in zip(networks, fixed_ips):
                self._setup_network(
                    admin, network, host,
                    added=[_dhcp_host(fixed_ip, fixed_ip['mac'], hostname)],
                    allocated_at=fixed_ip['updated_at'])
        except Exception:
            with excutils.save_and_reraise_exception():
                LOG.exception('Setting up the networks of instance %s '
                              'failed; deallocating', instance_uuid)
                self._deallocate_quietly(admin, instance_uuid, host)
        LOG.info('Allocated %s to instance %s',
                 ', '.join(model.fixed_addresses(nw_info)) or 'nothing',
                 instance_uuid)
        if CONF.auto_assign_floating_ip:
            self._auto_assign_floating_ip(context, instance_uuid, project_id,
                                          nw_info)
            nw_info = self.get_instance_nw_info(context, instance_uuid)
        self._members_changed(admin, instance_uuid)
        return nw_info

    def deallocate_for_instance(self, context, instance_uuid, host=None):
        """Take back an instance's fixed IPs and interfaces.

        Addresses go back to the pool at once when their lease is
        released now (``force_dhcp_release``) or was never taken; others
        when dnsmasq reports the lease's end, or after
        ``fixed_ip_disassociate_timeout``.
        """
        admin = context.elevated()
        # Before the transaction: any allocation it undoes was before.
        began = timeutils.utcnow()
        deallocated = self._deallocate_in_db(admin, instance_uuid)
        if deallocated is None:
            # Floating IPs first (their host work may be elsewhere).
            self._release_instance_floating_ips(admin, instance_uuid)
            deallocated = self._deallocate_in_db(admin, instance_uuid,
                                                 floating_released=True)
        if deallocated:
            LOG.info('Deallocated %s from instance %s',
                     ', '.join(ip['address'] for ip in deallocated),
                     instance_uuid)
            self._members_changed(admin, instance_uuid)
        if not self.DHCP:
            return
        by_network = collections.defaultdict(list)
        for fixed_ip in deallocated:
            by_network[fixed_ip['network_id']].append(fixed_ip)
        for network_id, fixed_ips in by_network.items():
            released = [[ip['address'], ip['mac']] for ip in fixed_ips
                        if CONF.force_dhcp_release and ip['mac']]
            removed = [[ip['address'], ip['mac']] for ip in fixed_ips
                       if ip['mac']]
            self._remember_removed(network_id, removed, began)
            try:
                network = self._network_get(admin, network_id)
                instance_host = fixed_ips[0]['host'] or host
                self._setup_network(admin, network, instance_host,
                                    released=released, removed=removed)
            except Exception:
                # The database is right; the host catches up on its next
                # refresh of the network or at restart.
                LOG.exception('Could not update DHCP of network %s after '
                              'deallocating instance %s', network_id,
                              instance_uuid)

    def get_instance_nw_info(self, context, instance_uuid):
        """The network_info of an instance, from the database."""
        admin = context.elevated()
        with db_session.reader.using(admin):
            vifs = vif_db.virtual_interface_get_by_instance(admin,
                                                            instance_uuid)
            fixed_ips = [ip for ip in fixed_ip_db.fixed_ip_get_by_instance(
                admin, instance_uuid) if ip['allocated']]
            floating = collections.defaultdict(list)
            for row in floating_ip_db.floating_ip_get_by_instance(
                    admin, instance_uuid):
                floating[row['fixed_ip']].append(row['address'])
            networks = {}
            nw_info = []
            for vif in vifs:
                if vif['network_id'] not in networks:
                    networks[vif['network_id']] = network_db.network_get(
                        admin, vif['network_id'])
                network = networks[vif['network_id']]
                mine = [ip for ip in fixed_ips
                        if ip['virtual_interface_id'] == vif['id']]
                dhcp_server = None
                if network['multi_host'] and self.DHCP and mine:
                    dhcp_server = fixed_ip_db.fixed_ip_get_host_address(
                        admin, network['id'], mine[0]['host'])
                nw_info.append(model.vif_info(
                    vif, network, [ip['address'] for ip in mine],
                    dhcp_server, floating=floating))
        return nw_info

    def refresh_network(self, context, network_uuid, released=None):
        """Bring this host's side of a network up to date: plug it,
        release ``released`` leases ([address, mac] pairs), rewrite its
        DHCP entries. Sent by the network service that (de)allocated."""
        admin = context.elevated()
        network = network_db.network_get_by_uuid(admin, network_uuid)
        self._refresh_network_on_host(admin, network, released or ())

    # RPC API 1.0: lease events from nimbus-dhcpbridge ----------------------

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

    # Periodic tasks ---------------------------------------------------------

    @manager.periodic(spacing=60)
    def _disassociate_stale_fixed_ips(self, context):
        """Return to the pool addresses deallocated longer than
        ``fixed_ip_disassociate_timeout`` ago whose lease never ended."""
        before = timeutils.utcnow() - datetime.timedelta(
            seconds=CONF.fixed_ip_disassociate_timeout)
        count = fixed_ip_db.fixed_ip_disassociate_all_by_timeout(
            context.elevated(), before)
        if count:
            LOG.info('Disassociated %d stale fixed IP(s)', count)
        return count

    # Which networks ---------------------------------------------------------

    @classmethod
    def _networks_for_project(cls, context, project_id):
        """The networks an instance of the project gets by default."""
        networks = network_db.network_get_all_for_project(
            context, project_id, allow_unowned=True)
        if not networks:
            raise exception.NoNetworksFound(project_id=project_id)
        return networks

    @classmethod
    def may_use(cls, network, project_id):
        """Whether instances of ``project_id`` may be on ``network``."""
        return network['project_id'] in (None, project_id)

    @classmethod
    def _get_networks_for_instance(cls, context, project_id, requested):
        if requested is None:
            return cls._networks_for_project(context, project_id)
        if not requested:
            return []
        networks = network_db.network_get_all_by_uuids(
            context, [net_uuid for net_uuid, _ in requested])
        for network, (net_uuid, address) in zip(networks, requested):
            if not cls.may_use(network, project_id):
                raise exception.NetworkNotFound(network_id=net_uuid)
            if address is not None and not addresses.overlaps(
                    '%s/32' % address, network['cidr']):
                raise exception.FixedIpNotFoundForNetwork(
                    address=address, network_uuid=net_uuid)
        return networks

    @classmethod
    def validate_networks(cls, context, project_id, requested_networks):
        """Check what an instance asks for before it is built; raises
        NetworkNotFound, FixedIpNotFoundForNetwork, FixedIpAlreadyInUse,
        FixedIpReserved or Invalid. Changes nothing."""
        requested = model.parse_requested_networks(requested_networks)
        if not requested:
            return
        cls._get_networks_for_instance(context, project_id, requested)
        for net_uuid, address in requested:
            if address is None:
                continue
            fixed_ip = fixed_ip_db.fixed_ip_get_by_address(context, address)
            if fixed_ip['reserved']:
                raise exception.FixedIpReserved(address=address)
            if fixed_ip['instance_uuid'] or fixed_ip['allocated']:
                raise exception.FixedIpAlreadyInUse(
                    address=address, instance_uuid=fixed_ip['instance_uuid'])

    # Allocation -------------------------------------------------------------

    def _instance_and_networks(self, context, instance_uuid, project_id,
                               requested):
        """``_check_instance``, and the instance's networks (None when it
        has interfaces already), read in one transaction (VlanManager's
        may give the project a network: a transaction of its own)."""
        if self.VLAN:
            has_vifs, hostname = self._check_instance(context, instance_uuid)
            networks = None if has_vifs else self._get_networks_for_instance(
                context, project_id, requested)
            return has_vifs, hostname, networks
        with db_session.reader.using(context):
            has_vifs, hostname = self._check_instance(context, instance_uuid)
            networks = None if has_vifs else self._get_networks_for_instance(
                context, project_id, requested)
        return has_vifs, hostname, networks

    @staticmethod
    def _check_instance(context, instance_uuid):
        """Whether the instance has interfaces already, and its hostname;
        InstanceNotFound when it is not there (fixed_ips.instance_uuid is
        a foreign key: say what is wrong rather than fail on it)."""
        with db_session.reader.using(context):
            found = db_utils.rows(context, _instance_check(),
                                  {'instance_uuid': instance_uuid}).first()
        if found is None:
            raise exception.InstanceNotFound(instance_id=instance_uuid)
        return bool(found[1]), found[2]

    # Network rows change only from no host or project to one, and go
    # only when none of their addresses is allocated: the rows read at
    # allocation serve the deallocations after it.

    def _remember_networks(self, networks):
        with self._locks_guard:
            for network in networks:
                self._networks[network['id']] = dict(network)

    def _network_get(self, context, network_id):
        with self._locks_guard:
            network = self._networks.get(network_id)
        if network is None:
            network = network_db.network_get(context, network_id)
            self._remember_networks([network])
        return dict(network)

    @staticmethod
    def _check_macs(macs, count):
        if macs is None:
            return None
        macs = [mac.lower() for mac in macs]
        bad = [mac for mac in macs if not addresses.is_valid_mac(mac)]
        if bad:
            raise exception.Invalid(reason='invalid MAC address %s' % bad[0])
        if len(macs) < count:
            raise exception.Invalid(
                reason='%d MAC address(es) given for %d interfaces'
                % (len(macs), count))
        return macs

    def _dhcp_servers(self, context, networks, host):
        """Address of ``host`` on each multi_host network it serves with
        DHCP (reserved on first use); the gateway serves the others."""
        if not self.DHCP:
            return {}
        return {network['id']: self._host_address(context, network, host)
                for network in networks if network['multi_host']}

    def _allocate_in_db(self, context, instance_uuid, host, networks, wanted,
                        macs, dhcp_servers):
        for attempt in range(1, ALLOCATION_ATTEMPTS + 1):
            try:
                return self._allocate_transaction(
                    context, instance_uuid, host, networks, wanted, macs,
                    dhcp_servers)
            except db_exc.DBDuplicateEntry:
                # A live interface has one of our MACs (the unique key
                # says so, no read first); everything was rolled back.
                if macs is not None or attempt == ALLOCATION_ATTEMPTS:
                    raise exception.VirtualInterfaceMacAddressException()
                LOG.debug('MAC collision allocating for %s; trying again',
                          instance_uuid)

    @db_session.retry_on_deadlock
    def _allocate_transaction(self, context, instance_uuid, host, networks,
                              wanted, macs, dhcp_servers):
        """The network_info and the fixed IP on each network (dicts, with
        the ``mac`` of their interface)."""
        nw_info = []
        fixed_ips = []
        with fixed_ip_db.allocation_transaction(context):
            for index, network in enumerate(networks):
                vif = self._create_vif(context, instance_uuid, network,
                                       macs[index] if macs else None)
                fixed_ip = self._allocate_fixed_ip(
                    context, instance_uuid, network, vif, host,
                    wanted.get(network['uuid']))
                fixed_ips.append(dict(fixed_ip, mac=vif['address']))
                nw_info.append(model.vif_info(
                    vif, network, [fixed_ip['address']],
                    dhcp_servers.get(network['id'])))
            instance_db.instance_info_cache_set(
                context, instance_uuid, jsonutils.dumps(nw_info))
        return nw_info, fixed_ips

    @staticmethod
    def _create_vif(context, instance_uuid, network, mac=None):
        return vif_db.virtual_interface_insert(context, {
            'instance_uuid': instance_uuid, 'network_id': network['id'],
            'uuid': uuidutils.generate_uuid(),
            'address': (mac or addresses.generate_mac()).lower()})

    @staticmethod
    def _allocate_fixed_ip(context, instance_uuid, network, vif, host,
                           address=None):
        # On a multi_host network the address belongs to the instance's
        # host, whose dnsmasq hands it out.
        fixed_ip_host = host if network['multi_host'] else None
        if address is not None:
            return fixed_ip_db.fixed_ip_associate(
                context, network['id'], address, instance_uuid, vif['id'],
                host=fixed_ip_host, network_uuid=network['uuid'])
        return fixed_ip_db.fixed_ip_associate_pool(
            context, network['id'], instance_uuid, vif['id'],
            host=fixed_ip_host, network_name=_name(network))

    # Deallocation -----------------------------------------------------------

    @db_session.retry_on_deadlock
    def _deallocate_in_db(self, context, instance_uuid,
                          floating_released=False):
        """The deallocated fixed IPs; None, having changed nothing, when
        the instance has floating IPs to release first."""
        # Without DHCP no lease can be pending: addresses return at once.
        force = CONF.force_dhcp_release or not self.DHCP
        with db_session.writer.using(context):
            if not floating_released and (
                    floating_ip_db.floating_ip_addresses_by_instance(
                        context, instance_uuid)):
                return None
            deallocated = fixed_ip_db.fixed_ip_deallocate_for_instance(
                context, instance_uuid, force)
            vifs = vif_db.virtual_interface_delete_by_instance(context,
                                                               instance_uuid)
            if deallocated or vifs:
                instance_db.instance_info_cache_set(context, instance_uuid,
                                                    '[]')
        return deallocated

    @staticmethod
    def _members_changed(context, instance_uuid):
        # Rules naming the instance's groups as source list its fixed IPs:
        # refresh the instances that have them. Read after the commit of
        # the change, not in its transaction: an instance whose host is
        # saved meanwhile may have had its rules read by the conductor
        # before the commit (nimbus.compute.security), and must be found.
        from nimbus.network import security_groups
        try:
            security_groups.refresh_instances(
                context, sg_db.instances_following_members(context,
                                                           instance_uuid))
        except Exception:
            LOG.exception('Could not refresh the security rules that '
                          'follow instance %s', instance_uuid)

    def _deallocate_quietly(self, context, instance_uuid, host):
        try:
            self.deallocate_for_instance(context, instance_uuid, host)
        except Exception:
            LOG.exception('Could not deallocate instance %s', instance_uuid)

    # The host side ----------------------------------------------------------

    def _serving_host(self, context, network, instance_host):
        """The nimbus-network that plugs ``network`` for an instance on
        ``instance_host``: that host itself for a multi_host network, else
        the network's host (this one, if it has none yet)."""
        if network['multi_host']:
            return instance_host or self.host
        if network['host'] is None:
            network.update(network_db.network_set_host(context, network['id'],
                                                       self.host))
            self._remember_networks([network])
        return network['host']

    def _setup_network(self, context, network, instance_host, released=(),
                       added=(), removed=(), allocated_at=None):
        """Have the serving host plug ``network`` and update its DHCP
        entries: ``added`` (entries of addresses claimed at
        ``allocated_at``) and ``removed`` ([address, mac]) are what
        changed, for a host that can apply just that."""
        if not self.DHCP:
            return
        serving = self._serving_host(context, network, instance_host)
        if serving == self.host:
            self._refresh_network_on_host(context, network, released,
                                          added=added, removed=removed,
                                          allocated_at=allocated_at)
        else:
            self.network_rpcapi.refresh_network(context, network['uuid'],
                                                serving, released=released)

    def _refresh_network_on_host(self, context, network, released=(),
                                 added=(), removed=(), allocated_at=None):
        """Plug ``network`` here, release ``released`` leases, and bring
        its DHCP entries up to date: by applying ``added`` and ``removed``
        when they are all that changed since this service last gave the
        driver every entry of the network (and the driver can), else by
        reading every entry."""
        network = dict(network)
        with self._network_lock(network['id']):
            if network['multi_host']:
                network['dhcp_server'] = self._host_address(
                    context, network, self.host)
            else:
                network['dhcp_server'] = (network.get('dhcp_server') or
                                          network['gateway'])
            self.driver.plug(network)
            for address, mac in released:
                self.driver.release_dhcp(network, address, mac)
            if (added or removed) and network['id'] in self._dhcp_synced:
                added = [host for host in added if not self._removed_since(
                    network['id'], host, allocated_at)]
                if not (added or removed) or self.driver.change_dhcp_hosts(
                        network, added, removed):
                    return
            hosts = fixed_ip_db.fixed_ip_get_dhcp_hosts(
                context, network['id'],
                host=self.host if network['multi_host'] else None)
            self.driver.update_dhcp(network, hosts)
            self._dhcp_synced.add(network['id'])

    # An allocation's entry may reach the driver after the removal of a
    # deallocation that undid it (the deallocation retried while the
    # allocation still ran): the removals of the last DHCP_RESYNC_INTERVAL
    # are remembered, with when their deallocation began, and an entry
    # claimed before that is not added.

    def _remember_removed(self, network_id, removed, began):
        oldest = began - datetime.timedelta(seconds=DHCP_RESYNC_INTERVAL)
        with self._locks_guard:
            recent = self._dhcp_removed.setdefault(network_id, {})
            for key in [key for key, when in recent.items()
                        if when < oldest]:
                del recent[key]
            for address, mac in removed:
                recent[address, mac.lower()] = began

    def _removed_since(self, network_id, host, allocated_at):
        with self._locks_guard:
            removed_at = self._dhcp_removed.get(network_id, {}).get(
                (host['address'], host['mac'].lower()))
        return (removed_at is not None and allocated_at is not None and
                allocated_at < removed_at)

    def _host_address(self, context, network, host):
        """The address ``host`` holds on a multi_host network: reserved
        once for the host and never given back (only deleted with the
        network), so remembered."""
        key = (network['id'], host)
        address = self._host_addresses.get(key)
        if address is None:
            address = fixed_ip_db.fixed_ip_reserve_host_address(
                context, network['id'], host, _name(network))
            self._host_addresses[key] = address
        return address

    @manager.periodic(spacing=DHCP_RESYNC_INTERVAL)
    def _resync_dhcp_hosts(self, context):
        """Rewrite every DHCP entry of the networks served here from the
        database: changes applied one by one may have been applied out
        of order (a deallocation retried while its allocation still
        ran)."""
        if not self.DHCP:
            return
        synced = sorted(self._dhcp_synced)
        for network_id in synced:
            try:
                network = self._network_get(context, network_id)
                self._refresh_network_on_host(context, network)
            except Exception:
                LOG.exception('Could not resynchronise the DHCP entries '
                              'of network %s', network_id)


@db_utils.prebuilt
def _instance_check():
    vif = models.VirtualInterface
    has_vifs = sa.select(vif.id).where(
        vif.instance_uuid == models.Instance.uuid, vif.deleted == 0).exists()
    return sa.select(models.Instance.id, has_vifs,
                     models.Instance.hostname).where(
        models.Instance.uuid == sa.bindparam('instance_uuid'),
        models.Instance.deleted == 0)


class FlatManager(NetworkManager):
    """Flat networks on a bridge the operator made; no DHCP: the guest's
    address is injected (``flat_injected``) or configured by hand."""

    INJECTED = True


class FlatDHCPManager(NetworkManager):
    """Flat networks on a bridge nimbus makes on ``flat_interface``, with
    a dnsmasq per network handing out the fixed IPs."""

    DHCP = True


class VlanManager(NetworkManager):
    """A VLAN, bridge and network per project, with DHCP.

    A project gets a free network on its first allocation and keeps it
    (even when that allocation then fails), as in nova-network; an
    operator may also create a network with --project_id.
    """

    DHCP = True
    VLAN = True

    @classmethod
    def _networks_for_project(cls, context, project_id):
        return network_db.network_associate(context, project_id)

    @classmethod
    def may_use(cls, network, project_id):
        return network['project_id'] == project_id


def network_manager_class(name=None):
    """The class ``network_manager`` names; raises NetworkManagerInvalid."""
    name = name or CONF.network_manager
    try:
        cls = importutils.import_class(name)
    except (ImportError, ValueError):
        cls = None
    if not (isinstance(cls, type) and issubclass(cls, NetworkManager)):
        raise exception.NetworkManagerInvalid(name=name)
    return cls


def load_network_manager(host=None):
    """An instance of the configured network manager (a factory for the
    service: ``nimbus-network`` and ``nimbus-all``)."""
    return network_manager_class()(host=host)
