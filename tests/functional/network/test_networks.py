"""Creating and deleting networks (what nimbus-manage network runs), on
SQLite, in-process: every refusal writes nothing."""

import pytest

from nimbus.db.api import network as network_db
from nimbus import exception
from nimbus.network import manager as network_manager
from nimbus.network import networks
from tests.functional.network.conftest import create_network
from tests.functional.network.conftest import fixed_ips

FLAT = network_manager.FlatDHCPManager
VLAN = network_manager.VlanManager


@pytest.fixture
def existing(admin):
    return create_network(admin, bridge_interface='eth1')


def _create(admin, manager_class=FLAT, label='new', **kwargs):
    return networks.create_networks(admin, manager_class, label, **kwargs)


def test_defaults_come_from_the_configuration(admin, conf):
    conf.config(fixed_range_v4='172.16.0.0/16', network_size=64,
                flat_network_bridge='br9', flat_interface='eth9',
                multi_host=True)
    created, notes = _create(admin)
    [network] = created
    assert (network['cidr'], network['bridge'], network['bridge_interface'],
            network['multi_host']) == ('172.16.0.0/26', 'br9', 'eth9', True)
    assert notes == ['172.16.0.0/16 is larger than network_size (64 '
                     'addresses): using its first /26; pass '
                     '--network_size to use more.']


def test_gateway_and_dns(admin):
    [network], _ = _create(admin, fixed_range_v4='10.3.0.0/24',
                           gateway='10.3.0.254', dns1='1.1.1.1',
                           dns2='9.9.9.9')
    assert (network['gateway'], network['dhcp_server'], network['dhcp_start'],
            network['dns1'], network['dns2']) == (
        '10.3.0.254', '10.3.0.254', '10.3.0.1', '1.1.1.1', '9.9.9.9')
    reserved = sorted(a for a, row in fixed_ips(admin).items()
                      if row['reserved'])
    assert reserved == ['10.3.0.0', '10.3.0.254', '10.3.0.255']


@pytest.mark.parametrize('manager_class, kwargs, error, message', [
    (FLAT, {'fixed_range_v4': None}, exception.Invalid,
     '--fixed_range_v4 is required'),
    (FLAT, {'fixed_range_v4': 'banana'}, exception.Invalid, 'not a CIDR'),
    (FLAT, {'fixed_range_v4': '10.9.0.0/33'}, exception.Invalid,
     'invalid prefix length'),
    (FLAT, {'fixed_range_v4': '10.0.0.0/8', 'bridge': 'br1'},
     exception.CidrConflict, 'conflicts with network private'),
    (FLAT, {'fixed_range_v4': '10.9.0.0/24'}, exception.BridgeInUse,
     'Bridge br100 is already used by network private'),
    (FLAT, {'fixed_range_v4': '10.9.0.0/24', 'network_size': 100},
     exception.Invalid, 'not a power of two'),
    (FLAT, {'fixed_range_v4': '10.9.0.0/24', 'num_networks': 0},
     exception.Invalid, 'at least 1'),
    (FLAT, {'fixed_range_v4': '10.9.0.0/24', 'num_networks': 2},
     exception.Invalid, 'one at a time'),
    (FLAT, {'fixed_range_v4': '10.9.0.0/24', 'bridge': 'br1',
            'gateway': '10.8.0.1'}, exception.Invalid, 'not in 10.9.0.0/24'),
    (FLAT, {'fixed_range_v4': '10.9.0.0/24', 'bridge': 'br1',
            'gateway': 'x'}, exception.Invalid, '--gateway'),
    (FLAT, {'fixed_range_v4': '10.9.0.0/24', 'bridge': 'br1',
            'dns1': '8.8.8'}, exception.Invalid, '--dns1'),
    (FLAT, {'fixed_range_v4': '10.9.0.0/24', 'bridge': 'br1',
            'multi_host': 'maybe'}, exception.Invalid, 'T or F'),
    (FLAT, {'fixed_range_v4': '10.9.0.0/24', 'bridge': 'br1',
            'vlan_start': 200}, exception.Invalid, 'is for VlanManager'),
    (FLAT, {'fixed_range_v4': '10.9.0.0/24', 'bridge': 'br 1'},
     exception.Invalid, 'not a valid interface name'),
    (VLAN, {'fixed_range_v4': '10.9.0.0/24', 'bridge_interface': 'eth2',
            'vlan_start': 0}, exception.Invalid, 'VLAN 0 is out of range'),
    (VLAN, {'fixed_range_v4': '10.9.0.0/23', 'bridge_interface': 'eth2',
            'num_networks': 2, 'vlan_start': 4094}, exception.Invalid,
     'VLAN 4094-4095 is out of range'),
    (VLAN, {'fixed_range_v4': '10.9.0.0/24'}, exception.Invalid,
     'needs --bridge_interface'),
    (VLAN, {'fixed_range_v4': '10.9.0.0/23', 'bridge_interface': 'eth2',
            'num_networks': 2, 'bridge': 'brx'}, exception.Invalid,
     '--bridge names one network'),
    (VLAN, {'fixed_range_v4': '10.9.0.0/24', 'bridge_interface': 'eth2',
            'network_size': 4}, exception.Invalid,
     'no address left for instances'),
    (VLAN, {'fixed_range_v4': '10.9.0.0/24', 'bridge_interface': 'eth2',
            'num_networks': 2, 'vpn_start': 65535}, exception.Invalid,
     'out of range 1-65535'),
    (VLAN, {'fixed_range_v4': '10.9.0.0/24', 'bridge_interface': 'eth2',
            'num_networks': 3, 'network_size': 128}, exception.Invalid,
     'cannot hold 3 network(s) of 128'),
    (VLAN, {'fixed_range_v4': '10.9.0.0/24', 'bridge_interface': 'eth2',
            'num_networks': 3}, exception.BridgeInUse,
     'Bridge br100 is already used by network private'),
])
def test_bad_input_writes_nothing(admin, existing, manager_class, kwargs,
                                  error, message):
    before = (network_db.network_get_all(admin), fixed_ips(admin))
    with pytest.raises(error) as err:
        _create(admin, manager_class, **kwargs)
    assert message in str(err.value)
    assert (network_db.network_get_all(admin), fixed_ips(admin)) == before


def test_a_clash_within_one_create_writes_nothing(admin):
    _create(admin, VLAN, fixed_range_v4='10.9.0.0/24', vlan_start=101,
            bridge_interface='eth2')
    # Networks 100, 101, 102: the second clashes; the first is not kept.
    with pytest.raises(exception.DuplicateVlan):
        _create(admin, VLAN, fixed_range_v4='10.10.0.0/22', num_networks=3,
                network_size=256, vlan_start=100, bridge_interface='eth2')
    assert [n['vlan'] for n in network_db.network_get_all(admin)] == [101]


def test_delete(admin, existing):
    with pytest.raises(exception.Invalid):
        networks.delete_network(admin)
    with pytest.raises(exception.NetworkNotFoundForCidr):
        networks.delete_network(admin, fixed_range='10.0.0.0/25')
    with pytest.raises(exception.Invalid):
        networks.delete_network(admin, fixed_range='10.0.0.0/33')
    deleted = networks.delete_network(admin, uuid=existing['uuid'])
    assert deleted['uuid'] == existing['uuid']
    assert network_db.network_get_all(admin) == []
    assert fixed_ips(admin) == {}
    with pytest.raises(exception.NetworkNotFound):
        networks.delete_network(admin, uuid=existing['uuid'])
