"""The network driver interface and the fake driver."""

import pytest

from nimbus import exception
from nimbus.network import driver
from nimbus.network import fake_driver


def _network(**overrides):
    network = {'uuid': 'n1', 'label': 'private', 'bridge': 'br100',
               'bridge_interface': 'eth1', 'vlan': None,
               'cidr': '10.0.0.0/24', 'gateway': '10.0.0.1',
               'dhcp_server': '10.0.0.1'}
    network.update(overrides)
    return network


def test_plug_flat_network_makes_the_bridge_with_the_gateway():
    fake = fake_driver.Driver()
    assert fake.plug(_network()) == 'br100'
    assert fake.calls == [('ensure_bridge', 'br100', 'eth1', '10.0.0.1/24')]
    assert fake.bridges == {'br100': {'interface': 'eth1',
                                      'addresses': {'10.0.0.1/24'}}}


def test_plug_vlan_network_puts_the_bridge_on_the_vlan():
    fake = fake_driver.Driver()
    fake.plug(_network(vlan=102, bridge='br102', cidr='10.1.0.0/28',
                       gateway='10.1.0.1', dhcp_server='10.1.0.1'))
    assert fake.calls == [('ensure_vlan', 102, 'eth1'),
                          ('ensure_bridge', 'br102', 'vlan102',
                           '10.1.0.1/28')]


def test_multi_host_address_is_the_hosts_own():
    assert driver.host_address(_network(dhcp_server='10.0.0.3')) == (
        '10.0.0.3/24')
    assert driver.host_address(_network(dhcp_server=None)) == '10.0.0.1/24'


def test_fake_dhcp_keeps_entries_and_releases():
    fake = fake_driver.Driver()
    network = _network()
    fake.update_dhcp(network, [
        {'mac': 'fa:16:3e:00:00:02', 'address': '10.0.0.3',
         'hostname': 'b'},
        {'mac': 'fa:16:3e:00:00:01', 'address': '10.0.0.2',
         'hostname': 'a'}])
    assert fake.dhcp_addresses('br100') == ['10.0.0.2', '10.0.0.3']
    fake.release_dhcp(network, '10.0.0.2', 'fa:16:3e:00:00:01')
    assert fake.released == [('br100', '10.0.0.2', 'fa:16:3e:00:00:01')]
    fake.kill_dhcp(network)
    assert fake.dhcp_addresses('br100') == []


def test_fake_dhcp_changes_need_the_entries_first():
    fake = fake_driver.Driver()
    network = _network()
    a = {'mac': 'fa:16:3e:00:00:01', 'address': '10.0.0.2', 'hostname': 'a'}
    b = {'mac': 'fa:16:3e:00:00:02', 'address': '10.0.0.3', 'hostname': 'b'}
    assert not fake.change_dhcp_hosts(network, added=[a])
    assert fake.dhcp_addresses('br100') == []
    fake.update_dhcp(network, [a])
    assert fake.change_dhcp_hosts(network, added=[b])
    assert fake.dhcp_addresses('br100') == ['10.0.0.2', '10.0.0.3']
    # Removal names the MAC: an address given to another since stays.
    a_again = dict(a, mac='fa:16:3e:00:00:09')
    assert fake.change_dhcp_hosts(network, added=[a_again],
                                  removed=[['10.0.0.2', a['mac']]])
    assert fake.change_dhcp_hosts(network, removed=[['10.0.0.2', a['mac']],
                                                    ['10.0.0.3', b['mac']]])
    assert fake.dhcp['br100'] == [a_again]


@pytest.mark.parametrize('name', ['fake_driver',
                                  'nimbus.network.fake_driver'])
def test_load_network_driver(name):
    assert isinstance(driver.load_network_driver(name), fake_driver.Driver)


@pytest.mark.parametrize('name', ['no_such_driver', 'nimbus.network.model',
                                  'os.path'])
def test_load_network_driver_refuses(name):
    with pytest.raises(exception.NetworkDriverInvalid):
        driver.load_network_driver(name)


def test_driver_interface_is_complete_in_the_fake():
    # Every abstract method is implemented: the fake can stand in for the
    # real driver anywhere.
    assert not getattr(fake_driver.Driver, '__abstractmethods__', None)
    assert set(driver.NetworkDriver.__abstractmethods__) == {
        'initialize', 'ensure_vlan', 'ensure_bridge', 'update_dhcp',
        'release_dhcp', 'kill_dhcp', 'ensure_floating_ip',
        'remove_floating_ip', 'ensure_metadata_forward'}
