"""Address arithmetic of nova-network: subnets, reserved addresses, MACs.

Pure functions on ``ipaddress`` objects and strings; no database, no
configuration.
"""

import ipaddress
import random
import re

# The prefix OpenStack has always used for the MACs it makes up.
MAC_PREFIX = (0xfa, 0x16, 0x3e)

_MAC_RE = re.compile(r'^([0-9a-f]{2}:){5}[0-9a-f]{2}$')

# Smallest useful network: network, gateway, one instance, broadcast.
MIN_NETWORK_SIZE = 4

_random = random.SystemRandom()


def generate_mac():
    """A random MAC in fa:16:3e:xx:xx:xx (locally administered, unicast)."""
    tail = [_random.randint(0x00, 0xff) for _ in range(3)]
    return ':'.join('%02x' % byte for byte in list(MAC_PREFIX) + tail)


def is_valid_mac(value):
    return isinstance(value, str) and bool(_MAC_RE.match(value.lower()))


def parse_cidr(value):
    """An IPv4Network from 'a.b.c.d/n'; ValueError says what is wrong."""
    if not isinstance(value, str) or '/' not in value:
        raise ValueError('%r is not a CIDR (address/prefix length)'
                         % (value,))
    try:
        network = ipaddress.IPv4Network(value.strip(), strict=True)
    except ipaddress.NetmaskValueError:
        raise ValueError('%r has an invalid prefix length' % (value,))
    except ValueError as exc:
        # strict=True: host bits set, e.g. 10.0.0.5/24.
        raise ValueError('%r is not a valid IPv4 CIDR: %s' % (value, exc))
    return network


def parse_ipv4(value):
    """An IPv4Address; ValueError when ``value`` is not one."""
    try:
        return ipaddress.IPv4Address(str(value).strip())
    except ValueError:
        raise ValueError('%r is not a valid IPv4 address' % (value,))


def is_power_of_two(number):
    return number > 0 and number & (number - 1) == 0


def default_network_size(cidr, num_networks, configured_size):
    """The size of each network when the operator gave none.

    nova-manage's rule: the range split evenly, but no bigger than
    ``network_size`` from the configuration; rounded down to a power of
    two, since each network is a prefix.
    """
    each = cidr.num_addresses // num_networks
    size = min(each, configured_size)
    if size < 1:
        return 0
    return 1 << (size.bit_length() - 1)


def split_range(cidr, num_networks, network_size):
    """The first ``num_networks`` subnets of ``network_size`` addresses.

    ValueError when the size is not a power of two, is too small, or the
    range cannot hold that many networks.
    """
    if not is_power_of_two(network_size):
        raise ValueError('network size %d is not a power of two'
                         % network_size)
    if network_size < MIN_NETWORK_SIZE:
        raise ValueError('network size %d is too small: a network needs at '
                         'least %d addresses (network, gateway, one '
                         'instance, broadcast)'
                         % (network_size, MIN_NETWORK_SIZE))
    if num_networks < 1:
        raise ValueError('the number of networks must be at least 1')
    if network_size * num_networks > cidr.num_addresses:
        raise ValueError('%s (%d addresses) cannot hold %d network(s) of %d '
                         'addresses' % (cidr, cidr.num_addresses,
                                        num_networks, network_size))
    prefixlen = 32 - (network_size.bit_length() - 1)
    subnets = cidr.subnets(new_prefix=prefixlen)
    return [next(subnets) for _ in range(num_networks)]


def layout(subnet, gateway=None, vpn=False):
    """Where things sit in a subnet, as nova-network laid them out.

    The gateway is the first host address unless given; with ``vpn``
    (VlanManager) the next address is kept for the project's VPN. The
    network, gateway, broadcast and VPN addresses are reserved (never
    given to an instance); DHCP starts at the first address after them.
    Returns a dict of strings plus ``reserved``, a set of strings.
    """
    first = subnet.network_address
    if gateway is None:
        gateway = first + 1
    else:
        gateway = parse_ipv4(gateway)
        if gateway not in subnet:
            raise ValueError('gateway %s is not in %s' % (gateway, subnet))
        if gateway in (subnet.network_address, subnet.broadcast_address):
            raise ValueError('gateway %s is the network or broadcast '
                             'address of %s' % (gateway, subnet))
    reserved = {subnet.network_address, gateway, subnet.broadcast_address}
    vpn_private = None
    if vpn:
        vpn_private = _first_free(subnet, reserved)
        if vpn_private is None:
            raise ValueError('%s has no address left for the VPN' % subnet)
        reserved.add(vpn_private)
    dhcp_start = _first_free(subnet, reserved)
    if dhcp_start is None:
        raise ValueError('%s has no address left for instances once the '
                         'network, gateway%s and broadcast addresses are '
                         'reserved' % (subnet, ', VPN' if vpn else ''))
    return {
        'cidr': str(subnet),
        'netmask': str(subnet.netmask),
        'broadcast': str(subnet.broadcast_address),
        'gateway': str(gateway),
        'dhcp_start': str(dhcp_start),
        'vpn_private_address': str(vpn_private) if vpn_private else None,
        'reserved': {str(address) for address in reserved},
    }


def _first_free(subnet, taken):
    for address in subnet:
        if address not in taken:
            return address
    return None


def overlaps(cidr_a, cidr_b):
    return ipaddress.ip_network(cidr_a).overlaps(ipaddress.ip_network(cidr_b))


def prefixlen(cidr):
    return ipaddress.ip_network(cidr).prefixlen
