"""What operators do to networks (``nimbus-manage network``): create, list,
delete.

Each operation checks its arguments and preconditions before it writes,
and writes in one transaction, so a refusal changes nothing.
"""

from oslo_utils import strutils
from oslo_utils import uuidutils

from nimbus.conf import CONF
from nimbus.db.api import network as network_db
from nimbus import exception
from nimbus.network import addresses

# Linux interface names: at most 15 characters (IFNAMSIZ - 1).
_IFNAME_MAX = 15
_VLAN_MIN, _VLAN_MAX = 1, 4094


def _invalid(reason):
    return exception.Invalid(reason=reason)


def _check_ifname(option, name):
    if name is None:
        return
    if (not name or len(name) > _IFNAME_MAX or '/' in name or
            any(c.isspace() for c in name) or name in ('.', '..')):
        raise _invalid('%s %r is not a valid interface name (at most %d '
                       'characters, no spaces or slashes)'
                       % (option, name, _IFNAME_MAX))


def _parse_bool(option, value):
    if value is None or isinstance(value, bool):
        return value
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise _invalid('%s must be T or F, not %r' % (option, value))


def _parse_address(option, value):
    if value is None:
        return None
    try:
        return str(addresses.parse_ipv4(value))
    except ValueError:
        raise _invalid('%s %r is not an IPv4 address' % (option, value))


def _subnets(fixed_range_v4, num_networks, network_size):
    """The subnets to create, and a note when the size was chosen here."""
    if not fixed_range_v4:
        raise _invalid('--fixed_range_v4 is required (or set fixed_range_v4 '
                       'in the configuration)')
    try:
        cidr = addresses.parse_cidr(fixed_range_v4)
    except ValueError as exc:
        raise _invalid(str(exc))
    if num_networks < 1:
        raise _invalid('--num_networks must be at least 1')
    note = None
    if network_size is None:
        network_size = addresses.default_network_size(
            cidr, num_networks, CONF.network_size)
        if num_networks == 1 and 0 < network_size < cidr.num_addresses:
            note = ('%s is larger than network_size (%d addresses): using '
                    'its first /%d; pass --network_size to use more.'
                    % (cidr, CONF.network_size,
                       33 - network_size.bit_length()))
    try:
        return addresses.split_range(cidr, num_networks, network_size), note
    except ValueError as exc:
        raise _invalid(str(exc))


def create_networks(context, manager_class, label, fixed_range_v4=None,
                    num_networks=None, network_size=None, vlan_start=None,
                    vpn_start=None, bridge=None, bridge_interface=None,
                    multi_host=None, dns1=None, dns2=None, project_id=None,
                    gateway=None):
    """Create networks with their fixed IPs as ``manager_class`` (the
    configured network manager) wants them.

    Returns (networks, notes): the created networks as dicts, and remarks
    for the operator. Raises Invalid for bad arguments, CidrConflict,
    DuplicateVlan or BridgeInUse for clashes with existing networks; then
    nothing is written.
    """
    if not label:
        raise _invalid('--label is required')
    num_networks = CONF.num_networks if num_networks is None else num_networks
    subnets, note = _subnets(fixed_range_v4 or CONF.fixed_range_v4,
                             num_networks, network_size)
    notes = [note] if note else []
    if gateway is not None and num_networks > 1:
        raise _invalid('--gateway can only be given for a single network')
    gateway = _parse_address('--gateway', gateway)
    dns1 = _parse_address('--dns1', dns1)
    dns2 = _parse_address('--dns2', dns2)
    multi_host = _parse_bool('--multi_host', multi_host)
    if multi_host is None:
        multi_host = CONF.multi_host
    _check_ifname('--bridge', bridge)
    _check_ifname('--bridge_interface', bridge_interface)

    common = {'multi_host': multi_host, 'dns1': dns1, 'dns2': dns2,
              'project_id': project_id or None,
              'enable_dhcp': manager_class.DHCP,
              'injected': manager_class.INJECTED and CONF.flat_injected}
    if manager_class.VLAN:
        per_network = _vlan_networks(num_networks, vlan_start, vpn_start,
                                     bridge, bridge_interface)
    else:
        per_network = _flat_networks(manager_class, num_networks, vlan_start,
                                     bridge, bridge_interface)

    planned = []
    for index, (subnet, extra) in enumerate(zip(subnets, per_network)):
        try:
            where = addresses.layout(subnet, gateway=gateway,
                                     vpn=manager_class.VLAN)
        except ValueError as exc:
            raise _invalid(str(exc))
        reserved = where.pop('reserved')
        if not manager_class.VLAN:
            where.pop('vpn_private_address')
        values = dict(common, **where)
        values.update(extra)
        values.update(
            uuid=uuidutils.generate_uuid(),
            label=label if num_networks == 1 else '%s_%d' % (label,
                                                             index + 1),
            dhcp_server=where['gateway'])
        planned.append((values, reserved))
    return network_db.network_create_many(context, planned), notes


def _flat_networks(manager_class, num_networks, vlan_start, bridge,
                   bridge_interface):
    if vlan_start is not None:
        raise _invalid('--vlan is for VlanManager; network_manager is %s'
                       % manager_class.__name__)
    if num_networks > 1:
        # Every flat network needs a bridge (and dnsmasq) of its own.
        raise _invalid('flat networks are created one at a time, each with '
                       'its own --bridge')
    return [{'bridge': bridge or CONF.flat_network_bridge,
             'bridge_interface': bridge_interface or CONF.flat_interface,
             'vlan': None}]


def _vlan_networks(num_networks, vlan_start, vpn_start, bridge,
                   bridge_interface):
    vlan_start = CONF.vlan_start if vlan_start is None else vlan_start
    last = vlan_start + num_networks - 1
    if vlan_start < _VLAN_MIN or last > _VLAN_MAX:
        ids = str(vlan_start) if num_networks == 1 else '%d-%d' % (
            vlan_start, last)
        raise _invalid('VLAN %s is out of range %d-%d'
                       % (ids, _VLAN_MIN, _VLAN_MAX))
    if bridge and num_networks > 1:
        raise _invalid('--bridge names one network; VLAN networks get a '
                       'bridge br<vlan> each')
    bridge_interface = bridge_interface or CONF.vlan_interface
    if not bridge_interface:
        raise _invalid('VlanManager needs --bridge_interface (or '
                       'vlan_interface in the configuration): the interface '
                       'that carries the VLANs')
    vpn_start = CONF.vpn_start if vpn_start is None else vpn_start
    if vpn_start < 1 or vpn_start + num_networks - 1 > 65535:
        raise _invalid('--vpn ports %d-%d are out of range 1-65535'
                       % (vpn_start, vpn_start + num_networks - 1))
    networks = []
    for index in range(num_networks):
        vlan = vlan_start + index
        networks.append({
            'vlan': vlan,
            'bridge': bridge or 'br%d' % vlan,
            'bridge_interface': bridge_interface,
            'vpn_public_address': CONF.my_ip,
            'vpn_public_port': vpn_start + index,
        })
    return networks


def list_networks(context):
    return network_db.network_get_all(context)


def delete_network(context, fixed_range=None, uuid=None):
    """Delete the network with this cidr or uuid (exactly one of them);
    refused with NetworkInUse while any of its fixed IPs is allocated."""
    if (fixed_range is None) == (uuid is None):
        raise _invalid('give either --fixed_range or --uuid')
    if uuid is not None:
        network = network_db.network_get_by_uuid(context, uuid)
    else:
        try:
            cidr = str(addresses.parse_cidr(fixed_range))
        except ValueError as exc:
            raise _invalid(str(exc))
        network = network_db.network_get_by_cidr(context, cidr)
    return network_db.network_delete_safe(context, network['id'])
