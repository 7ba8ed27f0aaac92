"""VlanManager's network per project, and multi_host networks served by
the network service of each compute host."""

import threading
import time

import pytest

from nimbus.db.api import network as network_db
from nimbus import exception
from nimbus.network import manager as network_manager
from nimbus.network import rpcapi as network_rpcapi
from tests.functional.network.conftest import create_network
from tests.functional.network.conftest import fixed_ips
from tests.functional.network.conftest import make_instance


def _address(nw_info):
    return nw_info[0]['network']['subnets'][0]['ips'][0]['address']


@pytest.fixture
def vlan(admin, start_network):
    created = [create_network(admin, network_manager.VlanManager,
                              label='vlan', fixed_range_v4='10.10.0.0/22',
                              num_networks=4, network_size=256,
                              bridge_interface='eth2')]
    return start_network(network_manager.VlanManager), created


def test_vlan_networks_are_laid_out_per_vlan(admin, vlan):
    networks = network_db.network_get_all(admin)
    assert [(n['label'], n['cidr'], n['vlan'], n['bridge'],
             n['bridge_interface'], n['dhcp_start'], n['vpn_private_address'],
             n['vpn_public_port'], n['project_id']) for n in networks] == [
        ('vlan_1', '10.10.0.0/24', 100, 'br100', 'eth2', '10.10.0.3',
         '10.10.0.2', 1000, None),
        ('vlan_2', '10.10.1.0/24', 101, 'br101', 'eth2', '10.10.1.3',
         '10.10.1.2', 1001, None),
        ('vlan_3', '10.10.2.0/24', 102, 'br102', 'eth2', '10.10.2.3',
         '10.10.2.2', 1002, None),
        ('vlan_4', '10.10.3.0/24', 103, 'br103', 'eth2', '10.10.3.3',
         '10.10.3.2', 1003, None)]
    reserved = sorted(address for address, row in fixed_ips(
        admin, networks[0]['id']).items() if row['reserved'])
    assert reserved == ['10.10.0.0', '10.10.0.1', '10.10.0.2', '10.10.0.255']


def test_each_project_gets_a_network_of_its_own(admin, vlan):
    manager, _ = vlan
    a1 = manager.allocate_for_instance(admin, make_instance(admin, 'a'), 'a',
                                       'test-host')
    b1 = manager.allocate_for_instance(admin, make_instance(admin, 'b'), 'b',
                                       'test-host')
    a2 = manager.allocate_for_instance(admin, make_instance(admin, 'a'), 'a',
                                       'test-host')
    assert a1[0]['network']['id'] == a2[0]['network']['id']
    assert a1[0]['network']['id'] != b1[0]['network']['id']
    assert (a1[0]['network']['vlan'], b1[0]['network']['vlan']) == (100, 101)
    assert (_address(a1), _address(a2), _address(b1)) == (
        '10.10.0.3', '10.10.0.4', '10.10.1.3')
    assert a1[0]['network']['tenant_id'] == 'a'
    # The host: vlan100 on eth2 under br100, the gateway on the bridge.
    assert manager.driver.vlans['vlan100'] == {'vlan': 100,
                                               'interface': 'eth2',
                                               'mtu': None}
    assert manager.driver.bridges['br101'] == {
        'interface': 'vlan101', 'addresses': {'10.10.1.1/24'}}
    assert manager.driver.dhcp_addresses('br100') == ['10.10.0.3',
                                                      '10.10.0.4']

    # A project cannot ask for another's network.
    with pytest.raises(exception.NetworkNotFound):
        manager.allocate_for_instance(
            admin, make_instance(admin, 'b'), 'b', 'test-host',
            requested_networks=[{'uuid': a1[0]['network']['id']}])


def test_concurrent_first_boots_of_a_project_share_one_network(admin,
                                                               vlan):
    rpcapi = network_rpcapi.NetworkAPI()
    instances = [make_instance(admin, 'c') for _ in range(6)]
    results, errors = [], []
    barrier = threading.Barrier(len(instances))

    def boot(instance):
        try:
            barrier.wait()
            results.append(rpcapi.allocate_for_instance(admin, instance, 'c',
                                                        'test-host'))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=boot, args=(i,)) for i in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len({nw_info[0]['network']['id'] for nw_info in results}) == 1
    assert len({_address(nw_info) for nw_info in results}) == 6


def test_no_more_networks(admin, vlan):
    manager, _ = vlan
    for project in 'abcd':
        manager.allocate_for_instance(admin, make_instance(admin, project),
                                      project, 'test-host')
    with pytest.raises(exception.NoMoreNetworks):
        manager.allocate_for_instance(admin, make_instance(admin, 'e'), 'e',
                                      'test-host')


def test_network_created_for_a_project_is_its_own(admin, start_network):
    network = create_network(admin, network_manager.VlanManager,
                             fixed_range_v4='10.20.0.0/24', vlan_start=300,
                             bridge_interface='eth2', project_id='p')
    manager = start_network(network_manager.VlanManager)
    nw_info = manager.allocate_for_instance(admin, make_instance(admin, 'p'),
                                            'p', 'test-host')
    assert nw_info[0]['network']['id'] == network['uuid']
    with pytest.raises(exception.NoMoreNetworks):
        manager.allocate_for_instance(admin, make_instance(admin, 'q'), 'q',
                                      'test-host')


def test_multi_host_network_is_served_by_the_instances_host(admin, conf,
                                                            start_network):
    conf.config(multi_host=True)
    network = create_network(admin, bridge_interface='eth1')
    assert network['multi_host'] is True
    compute1 = start_network(network_manager.FlatDHCPManager, 'compute1')
    compute2 = start_network(network_manager.FlatDHCPManager, 'compute2')
    rpcapi = network_rpcapi.NetworkAPI()

    on1 = make_instance(admin, host='compute1')
    on2 = make_instance(admin, host='compute2')
    nw1 = rpcapi.allocate_for_instance(admin, on1, 'demo', 'compute1')
    nw2 = rpcapi.allocate_for_instance(admin, on2, 'demo', 'compute2')

    # Each host holds an address of its own on the bridge: its DHCP server.
    server1 = nw1[0]['network']['subnets'][0]['dhcp_server']
    server2 = nw2[0]['network']['subnets'][0]['dhcp_server']
    assert server1 != server2
    assert nw1[0]['network']['subnets'][0]['gateway']['address'] == (
        '10.0.0.1')
    assert compute1.driver.bridges['br100']['addresses'] == {
        server1 + '/24'}
    assert compute2.driver.bridges['br100']['addresses'] == {
        server2 + '/24'}
    # Each dnsmasq hands out only its own instances' addresses.
    assert compute1.driver.dhcp_addresses('br100') == [_address(nw1)]
    assert compute2.driver.dhcp_addresses('br100') == [_address(nw2)]
    rows = fixed_ips(admin)
    assert rows[server1]['reserved'] and rows[server1]['host'] == 'compute1'
    assert rows[_address(nw2)]['host'] == 'compute2'
    assert rpcapi.get_instance_nw_info(admin, on2) == nw2

    rpcapi.deallocate_for_instance(admin, on2, host='compute2')
    assert compute2.driver.dhcp_addresses('br100') == []
    assert compute1.driver.dhcp_addresses('br100') == [_address(nw1)]
    assert rows[_address(nw2)]['host'] == 'compute2'
    assert fixed_ips(admin)[_address(nw2)]['host'] is None

    restarted = network_manager.FlatDHCPManager(host='compute1')
    restarted.init_host()
    assert restarted.driver.dhcp_addresses('br100') == [_address(nw1)]


def test_a_network_host_serves_requests_received_elsewhere(admin,
                                                           start_network):
    network = create_network(admin)
    network_host = start_network(network_manager.FlatDHCPManager, 'net1')
    other = start_network(network_manager.FlatDHCPManager, 'net2')
    network_db.network_set_host(admin, network['id'], 'net1')

    # net2 got the call (say): the DB work is its own, the host work is
    # sent to net1, which plugs the bridge and writes the DHCP entry.
    nw_info = other.allocate_for_instance(admin, make_instance(admin),
                                          'demo', 'compute1')
    deadline = time.monotonic() + 10
    while (network_host.driver.dhcp_addresses('br100') != [
            _address(nw_info)] and time.monotonic() < deadline):
        time.sleep(0.05)
    assert network_host.driver.dhcp_addresses('br100') == [
        _address(nw_info)]
    assert network_host.driver.bridges['br100']['addresses'] == {
        '10.0.0.1/24'}
    # At start it only prepared itself (and forwards metadata requests).
    assert [call[0] for call in other.driver.calls] == [
        'initialize', 'ensure_metadata_forward']
