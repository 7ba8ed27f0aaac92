"""Address arithmetic: CIDRs, network sizes, reserved addresses, MACs."""

import ipaddress
import re

import pytest

from nimbus.network import addresses


def test_generated_macs_are_openstack_macs():
    macs = {addresses.generate_mac() for _ in range(500)}
    assert len(macs) > 490  # 24 random bits: collisions are rare
    for mac in macs:
        assert re.match(r'^fa:16:3e(:[0-9a-f]{2}){3}$', mac), mac
        assert addresses.is_valid_mac(mac)
        first = int(mac[:2], 16)
        # Locally administered, unicast.
        assert first & 0x02 and not first & 0x01


@pytest.mark.parametrize('value', ['fa:16:3e:00:00:0', 'fa:16:3e:00:00:0g',
                                   'fa-16-3e-00-00-01', '', None, 42])
def test_invalid_macs(value):
    assert not addresses.is_valid_mac(value)


def test_parse_cidr():
    assert addresses.parse_cidr('10.0.0.0/24') == ipaddress.IPv4Network(
        '10.0.0.0/24')


@pytest.mark.parametrize('value, fragment', [
    ('10.0.0.0', 'not a CIDR'),
    ('10.0.0.5/24', 'host bits set'),
    ('10.0.0.0/33', 'prefix length'),
    ('banana/24', 'not a valid IPv4 CIDR'),
    ('fd00::/64', 'not a valid IPv4 CIDR'),
    (None, 'not a CIDR'),
])
def test_parse_cidr_refuses(value, fragment):
    with pytest.raises(ValueError) as err:
        addresses.parse_cidr(value)
    assert fragment in str(err.value)


@pytest.mark.parametrize('cidr, count, configured, expected', [
    ('10.0.0.0/16', 1, 256, 256),    # nova-manage: capped at network_size
    ('10.0.0.0/26', 1, 256, 64),     # a small range is used whole
    ('10.0.0.0/24', 3, 256, 64),     # 85 each, rounded down to 64
    ('10.0.0.0/24', 4, 32, 32),
    ('10.0.0.0/30', 8, 256, 0),      # cannot be split that much
])
def test_default_network_size(cidr, count, configured, expected):
    assert addresses.default_network_size(
        ipaddress.IPv4Network(cidr), count, configured) == expected


def test_split_range():
    subnets = addresses.split_range(ipaddress.IPv4Network('10.0.0.0/24'),
                                    3, 64)
    assert [str(s) for s in subnets] == ['10.0.0.0/26', '10.0.0.64/26',
                                         '10.0.0.128/26']


@pytest.mark.parametrize('count, size, fragment', [
    (1, 100, 'not a power of two'),
    (1, 2, 'too small'),
    (5, 64, 'cannot hold 5 network(s) of 64'),
    (1, 512, 'cannot hold 1 network(s) of 512'),
    (0, 64, 'at least 1'),
])
def test_split_range_refuses(count, size, fragment):
    with pytest.raises(ValueError) as err:
        addresses.split_range(ipaddress.IPv4Network('10.0.0.0/24'), count,
                              size)
    assert fragment in str(err.value)


def test_layout_of_a_flat_network():
    where = addresses.layout(ipaddress.IPv4Network('10.0.0.0/24'))
    assert where == {
        'cidr': '10.0.0.0/24', 'netmask': '255.255.255.0',
        'broadcast': '10.0.0.255', 'gateway': '10.0.0.1',
        'dhcp_start': '10.0.0.2', 'vpn_private_address': None,
        'reserved': {'10.0.0.0', '10.0.0.1', '10.0.0.255'}}


def test_layout_of_a_vlan_network_keeps_an_address_for_the_vpn():
    where = addresses.layout(ipaddress.IPv4Network('10.1.0.0/28'), vpn=True)
    assert where['gateway'] == '10.1.0.1'
    assert where['vpn_private_address'] == '10.1.0.2'
    assert where['dhcp_start'] == '10.1.0.3'
    assert where['broadcast'] == '10.1.0.15'
    assert where['reserved'] == {'10.1.0.0', '10.1.0.1', '10.1.0.2',
                                 '10.1.0.15'}


def test_layout_with_a_given_gateway_reserves_that_one():
    where = addresses.layout(ipaddress.IPv4Network('10.0.0.0/24'),
                             gateway='10.0.0.254')
    assert where['gateway'] == '10.0.0.254'
    assert where['reserved'] == {'10.0.0.0', '10.0.0.254', '10.0.0.255'}
    assert where['dhcp_start'] == '10.0.0.1'


def test_smallest_networks():
    flat = addresses.layout(ipaddress.IPv4Network('10.0.0.0/30'))
    assert flat['dhcp_start'] == '10.0.0.2'
    with pytest.raises(ValueError) as err:
        addresses.layout(ipaddress.IPv4Network('10.0.0.0/30'), vpn=True)
    assert 'no address left for instances' in str(err.value)


@pytest.mark.parametrize('gateway, fragment', [
    ('10.0.1.1', 'not in 10.0.0.0/24'),
    ('10.0.0.0', 'network or broadcast'),
    ('10.0.0.255', 'network or broadcast'),
    ('ten', 'not a valid IPv4 address'),
])
def test_layout_refuses_bad_gateways(gateway, fragment):
    with pytest.raises(ValueError) as err:
        addresses.layout(ipaddress.IPv4Network('10.0.0.0/24'),
                         gateway=gateway)
    assert fragment in str(err.value)


def test_overlaps():
    assert addresses.overlaps('10.0.0.0/24', '10.0.0.128/25')
    assert addresses.overlaps('10.0.0.7/32', '10.0.0.0/24')
    assert not addresses.overlaps('10.0.0.0/24', '10.0.1.0/24')
