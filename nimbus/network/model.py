"""Data that crosses the network service's boundary, as plain JSON-safe
values: the networks an instance asks for, and ``network_info``.

``network_info`` is a list with one dict per virtual interface, shaped like
Nova's network model (nova.network.model) so that code written against it
reads the same keys::

    [{'id': vif_uuid, 'address': mac, 'type': 'bridge',
      'devname': 'tap' + vif_uuid[:11],
      'network': {'id': net_uuid, 'label': ..., 'bridge': ...,
                  'bridge_interface': ..., 'vlan': ..., 'multi_host': ...,
                  'injected': ..., 'tenant_id': ...,
                  'subnets': [{'cidr': ..., 'version': 4,
                               'netmask': ..., 'broadcast': ...,
                               'gateway': {'address': ..., 'type':
                                           'gateway', 'version': 4},
                               'dns': [{'address': ..., 'type': 'dns',
                                        'version': 4}],
                               'ips': [{'address': ..., 'type': 'fixed',
                                        'version': 4,
                                        'floating_ips': []}],
                               'routes': [],
                               'dhcp_server': ...}]}}]
"""

from oslo_utils import uuidutils

from nimbus import exception
from nimbus.network import addresses

# What the Compute API passes on for "networks": "auto" / "none".
AUTO = 'auto'
NONE = 'none'

# Length of the tap device name's uuid part: 'tap' + 11 = 14 characters,
# under the kernel's 15-character limit (IFNAMSIZ - 1), as in Nova.
_DEVNAME_UUID_CHARS = 11


def parse_requested_networks(requested_networks):
    """What the caller asked for, normalised.

    ``None``, 'auto' or an empty list (as in Nova): every network
    available to the project (returns None). 'none': no network at all
    (returns []). Otherwise a list of
    ``{'uuid': net_uuid, 'fixed_ip': address or None}`` (or Nova's older
    ``[net_uuid, address]`` pairs): returns a list of (uuid, address or
    None) in the order given. Raises Invalid, FixedIpInvalid or
    NetworkDuplicated.
    """
    if requested_networks is None:
        return None
    if isinstance(requested_networks, str):
        value = requested_networks.strip().lower()
        if value == AUTO:
            return None
        if value == NONE:
            return []
        raise exception.Invalid(
            reason="networks must be 'auto', 'none' or a list, not %r"
            % requested_networks)
    if not isinstance(requested_networks, (list, tuple)):
        raise exception.Invalid(reason='networks must be a list')
    parsed = []
    seen = set()
    for item in requested_networks:
        net_uuid, address = _requested_item(item)
        if not uuidutils.is_uuid_like(net_uuid):
            raise exception.Invalid(
                reason='network id %r is not a UUID' % (net_uuid,))
        if net_uuid in seen:
            raise exception.NetworkDuplicated(network_id=net_uuid)
        seen.add(net_uuid)
        if address is not None:
            try:
                address = str(addresses.parse_ipv4(address))
            except ValueError:
                raise exception.FixedIpInvalid(address=address)
        parsed.append((net_uuid, address))
    return parsed or None


def _requested_item(item):
    if isinstance(item, dict):
        unknown = set(item) - {'uuid', 'fixed_ip'}
        if unknown:
            raise exception.Invalid(
                reason='unknown keys in a requested network: %s'
                % ', '.join(sorted(map(str, unknown))))
        return item.get('uuid'), item.get('fixed_ip') or None
    if isinstance(item, (list, tuple)) and len(item) == 2:
        return item[0], item[1] or None
    raise exception.Invalid(
        reason='a requested network is {"uuid": ..., "fixed_ip": ...}, '
               'not %r' % (item,))


def devname(vif_uuid):
    return ('tap' + vif_uuid)[:3 + _DEVNAME_UUID_CHARS]


def _address(address, kind, **extra):
    return dict({'address': address, 'type': kind, 'version': 4}, **extra)


def subnet_info(network, fixed_addresses, dhcp_server=None, floating=None):
    """The subnet of ``network`` (a networks row as a dict) holding the
    instance's ``fixed_addresses``; ``floating`` maps a fixed address to
    the floating addresses associated with it."""
    floating = floating or {}
    dns = [_address(network[key], 'dns') for key in ('dns1', 'dns2')
           if network.get(key)]
    return {
        'cidr': network['cidr'],
        'version': 4,
        'netmask': network['netmask'],
        'broadcast': network['broadcast'],
        'gateway': _address(network['gateway'], 'gateway'),
        'dns': dns,
        'ips': [_address(address, 'fixed', floating_ips=[
            _address(public, 'floating') for public in
            floating.get(address, ())]) for address in fixed_addresses],
        'routes': [],
        'dhcp_server': dhcp_server or network.get('dhcp_server') or
        network['gateway'],
    }


def vif_info(vif, network, fixed_addresses, dhcp_server=None,
             floating=None):
    """One entry of network_info: ``vif`` and ``network`` are rows as
    dicts, ``fixed_addresses`` the instance's addresses on it."""
    return {
        'id': vif['uuid'],
        'address': vif['address'],
        'type': 'bridge',
        'devname': devname(vif['uuid']),
        'network': {
            'id': network['uuid'],
            'label': network['label'],
            'bridge': network['bridge'],
            'bridge_interface': network['bridge_interface'],
            'vlan': network['vlan'],
            'multi_host': bool(network['multi_host']),
            'injected': bool(network['injected']),
            'tenant_id': network['project_id'],
            'subnets': [subnet_info(network, fixed_addresses, dhcp_server,
                                    floating)],
        },
    }


def fixed_addresses(network_info):
    """Every fixed address in ``network_info``, in order."""
    return [ip['address'] for vif in network_info
            for subnet in vif['network']['subnets'] for ip in subnet['ips']]
