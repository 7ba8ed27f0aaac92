"""What the API layer and nimbus-compute call for networking.

Reads (networks, validation of a boot request) go to the database, as
nova-network's API did; allocation goes over RPC to nimbus-network.
"""

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
