"""What the API layer and nimbus-compute call for networking.

Reads (networks, validation of a boot request) go to the database, as
nova-network's API did; allocation goes over RPC to nimbus-network.
"""

from nimbus.db.api import fixed_ip as fixed_ip_db
from nimbus.db.api import floating_ip as floating_ip_db
from nimbus.db.api import network as network_db
from nimbus import exception
from nimbus.network import manager as network_manager
from nimbus.network import networks
from nimbus.network import rpcapi as network_rpcapi

# Columns shown for a network (os-networks); ``id`` is its uuid.
_NETWORK_FIELDS = (
    'uuid', 'label', 'cidr', 'cidr_v6', 'netmask', 'netmask_v6', 'gateway',
    'gateway_v6', 'broadcast', 'dns1', 'dns2', 'bridge', 'bridge_interface',
    'vlan', 'multi_host', 'injected', 'dhcp_start', 'dhcp_server',
    'enable_dhcp', 'share_address', 'project_id', 'host', 'priority',
    'rxtx_base', 'mtu', 'vpn_public_address', 'vpn_public_port',
    'vpn_private_address', 'created_at', 'updated_at', 'deleted_at',
    'deleted')


def _network_dict(row):
    network = {field: row[field] for field in _NETWORK_FIELDS}
    network['id'] = row['uuid']
    network['deleted'] = bool(row['deleted'])
    return network


class API:
    """Networks as the Compute API sees them, and instance networking."""

    def __init__(self):
        self._rpcapi = None

    @property
    def network_rpcapi(self):
        # Made on first use: the RPC transport may not exist yet when the
        # API layer builds its controllers.
        if self._rpcapi is None:
            self._rpcapi = network_rpcapi.NetworkAPI()
        return self._rpcapi

    @staticmethod
    def _visible(context, network):
        if getattr(context, 'is_admin', False):
            return True
        return network_manager.network_manager_class().may_use(
            network, context.project_id)

    def get_all(self, context):
        """The networks the context may see (an admin: all), by id."""
        return [_network_dict(row)
                for row in network_db.network_get_all(context.elevated())
                if self._visible(context, row)]

    def get(self, context, network_uuid):
        """One network by uuid; NetworkNotFound when missing or not
        visible to the context."""
        row = network_db.network_get_by_uuid(context.elevated(),
                                             network_uuid)
        if not self._visible(context, row):
            raise exception.NetworkNotFound(network_id=network_uuid)
        return _network_dict(row)

    def create(self, context, **kwargs):
        """Create networks as ``nimbus-manage network create`` does
        (keyword arguments of nimbus.network.networks.create_networks:
        label, fixed_range_v4, num_networks, network_size, vlan_start,
        bridge, bridge_interface, multi_host, dns1, dns2, project_id,
        gateway...); returns them. Raises Invalid, CidrConflict,
        DuplicateVlan or BridgeInUse, having written nothing."""
        created, _notes = networks.create_networks(
            context.elevated(), network_manager.network_manager_class(),
            **kwargs)
        return [_network_dict(row) for row in created]

    def delete(self, context, network_uuid):
        """Delete a network; NetworkInUse while any of its fixed IPs is
        allocated, NetworkNotFound when there is none such."""
        self.get(context, network_uuid)
        networks.delete_network(context.elevated(), uuid=network_uuid)

    def validate_networks(self, context, requested_networks):
        """Check a boot request's networks for the context's project:
        NetworkNotFound, FixedIpNotFoundForNetwork, FixedIpAlreadyInUse,
        FixedIpReserved, NetworkDuplicated or Invalid. Changes nothing."""
        network_manager.network_manager_class().validate_networks(
            context.elevated(), context.project_id, requested_networks)

    def allocate_for_instance(self, context, instance_uuid, project_id, host,
                              requested_networks=None, macs=None):
        return self.network_rpcapi.allocate_for_instance(
            context, instance_uuid, project_id, host,
            requested_networks=requested_networks, macs=macs)

    def deallocate_for_instance(self, context, instance_uuid, host=None):
        self.network_rpcapi.deallocate_for_instance(context, instance_uuid,
                                                    host=host)

    def get_instance_nw_info(self, context, instance_uuid):
        return self.network_rpcapi.get_instance_nw_info(context,
                                                        instance_uuid)

    # Floating IPs ---------------------------------------------------------

    @staticmethod
    def _floating_visible(context, floating):
        return floating['project_id'] == context.project_id

    def get_floating_ips_by_project(self, context):
        """The context's project's floating IPs (not auto-assigned)."""
        return floating_ip_db.floating_ip_get_all_by_project(
            context.elevated(), context.project_id)

    def get_floating_ip(self, context, floating_ip_id):
        """One of the project's floating IPs by id; FloatingIpNotFound
        when missing or another project's."""
        from nimbus.network import security_groups
        number = security_groups.parse_id(floating_ip_id)
        if number is None:
            raise exception.FloatingIpNotFound(id=floating_ip_id)
        floating_ip_id = number
        floating = floating_ip_db.floating_ip_get(context.elevated(),
                                                  floating_ip_id)
        if not self._floating_visible(context, floating):
            raise exception.FloatingIpNotFound(id=floating_ip_id)
        return floating

    def get_floating_ip_by_address(self, context, address):
        floating = floating_ip_db.floating_ip_get_by_address(
            context.elevated(), address)
        if not self._floating_visible(context, floating):
            raise exception.FloatingIpNotFoundForAddress(address=address)
        return floating

    def get_floating_ip_pools(self, context):
        return floating_ip_db.floating_ip_get_pools(context.elevated())

    def allocate_floating_ip(self, context, pool=None):
        """An address of ``pool`` for the context's project (its dict).
        FloatingIpPoolNotFound, NoMoreFloatingIps, OverQuota."""
        if pool is not None and pool not in self.get_floating_ip_pools(
                context):
            raise exception.FloatingIpPoolNotFound()
        return self.network_rpcapi.allocate_floating_ip(
            context, context.project_id, pool)

    def release_floating_ip(self, context, floating):
        """Return one of the project's addresses (a dict from get_*) to
        its pool, disassociated first."""
        self.network_rpcapi.deallocate_floating_ip(context,
                                                   floating['address'])

    def associate_floating_ip(self, context, instance, floating_address,
                              fixed_address=None):
        """Associate one of the project's floating IPs with ``instance``
        (its first fixed IP, or ``fixed_address``, which must be one of
        its own). Raises FloatingIpNotFoundForAddress, NoFixedIpsDefined,
        FixedIpNotFoundForInstance, FloatingIpAssociated."""
        floating = self.get_floating_ip_by_address(context, floating_address)
        fixed = [ip['address'] for ip in fixed_ip_db.fixed_ip_get_by_instance(
            context.elevated(), instance.uuid) if ip['allocated']]
        if not fixed:
            raise exception.NoFixedIpsDefined(instance_uuid=instance.uuid)
        if fixed_address is None:
            fixed_address = fixed[0]
        elif fixed_address not in fixed:
            raise exception.FixedIpNotFoundForInstance(
                address=fixed_address, instance_uuid=instance.uuid)
        if floating['fixed_ip'] == fixed_address:
            return
        if floating['fixed_ip'] is not None:
            raise exception.FloatingIpAssociated(address=floating_address)
        self.network_rpcapi.associate_floating_ip(context, floating_address,
                                                  fixed_address)

    def disassociate_floating_ip(self, context, instance, address):
        """Disassociate one of the project's floating IPs from
        ``instance``: FloatingIpNotAssociated when it is associated with
        nothing, FloatingIpAssociatedWithOtherInstance when with another
        instance."""
        floating = self.get_floating_ip_by_address(context, address)
        if floating['fixed_ip'] is None:
            raise exception.FloatingIpNotAssociated(address=address)
        if floating['instance_uuid'] != instance.uuid:
            raise exception.FloatingIpAssociatedWithOtherInstance(
                address=address, instance_uuid=instance.uuid)
        self.network_rpcapi.disassociate_floating_ip(context, address)
