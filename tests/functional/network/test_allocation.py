"""Allocation and deallocation of fixed IPs over RPC, FlatDHCP and Flat."""

import threading

import pytest

from nimbus import exception
from nimbus.network import addresses
from nimbus.network import manager as network_manager
from nimbus.network import rpcapi as network_rpcapi
from tests.functional.network.conftest import allocated
from tests.functional.network.conftest import create_network
from tests.functional.network.conftest import fixed_ips
from tests.functional.network.conftest import info_cache
from tests.functional.network.conftest import live_vifs
from tests.functional.network.conftest import make_instance


@pytest.fixture
def rpcapi(admin):
    return network_rpcapi.NetworkAPI()


@pytest.fixture
def flat_dhcp(admin, start_network):
    network = create_network(admin, bridge_interface='eth1')
    return start_network(network_manager.FlatDHCPManager), network


def test_allocate_over_rpc_returns_network_info(admin, rpcapi, flat_dhcp):
    manager, network = flat_dhcp
    instance = make_instance(admin, hostname='vm1')
    nw_info = rpcapi.allocate_for_instance(admin, instance, 'demo',
                                           'test-host')

    assert len(nw_info) == 1
    vif = nw_info[0]
    assert addresses.is_valid_mac(vif['address'])
    assert vif['address'].startswith('fa:16:3e:')
    assert vif['type'] == 'bridge'
    assert vif['devname'] == 'tap' + vif['id'][:11]
    net = vif['network']
    assert (net['id'], net['label'], net['bridge'], net['bridge_interface'],
            net['vlan'], net['multi_host']) == (
        network['uuid'], 'private', 'br100', 'eth1', None, False)
    subnet = net['subnets'][0]
    assert subnet['cidr'] == '10.0.0.0/24'
    assert subnet['gateway']['address'] == '10.0.0.1'
    assert subnet['dhcp_server'] == '10.0.0.1'
    # The first address after network and gateway.
    assert subnet['ips'] == [{'address': '10.0.0.2', 'type': 'fixed',
                              'version': 4, 'floating_ips': []}]

    row = fixed_ips(admin)['10.0.0.2']
    assert row['allocated'] and row['instance_uuid'] == instance
    assert not row['leased']
    assert info_cache(admin, instance) == nw_info
    assert rpcapi.get_instance_nw_info(admin, instance) == nw_info

    # The host: bridge with the gateway on flat_interface, DHCP entry.
    assert manager.driver.bridges['br100'] == {
        'interface': 'eth1', 'addresses': {'10.0.0.1/24'}}
    assert manager.driver.dhcp['br100'] == [
        {'mac': vif['address'], 'address': '10.0.0.2', 'hostname': 'vm1',
         'instance_uuid': instance}]


def test_reserved_addresses_are_never_allocated(admin, start_network):
    network = create_network(admin, fixed_range_v4='10.0.0.0/27')
    manager = start_network(network_manager.FlatDHCPManager)
    rows = fixed_ips(admin)
    assert len(rows) == 32
    assert sorted(a for a, r in rows.items() if r['reserved']) == [
        '10.0.0.0', '10.0.0.1', '10.0.0.31']
    got = set()
    for _ in range(29):
        nw_info = manager.allocate_for_instance(
            admin, make_instance(admin), 'demo', 'test-host')
        got.add(model_address(nw_info))
    assert len(got) == 29
    assert not got & {'10.0.0.0', '10.0.0.1', '10.0.0.31'}

    instance = make_instance(admin)
    with pytest.raises(exception.NoMoreFixedIps) as err:
        manager.allocate_for_instance(admin, instance, 'demo', 'test-host')
    assert 'private (%s)' % network['uuid'] in str(err.value)
    # The failed allocation left nothing behind.
    assert [v for v in live_vifs(admin) if v['instance_uuid'] == instance
            ] == []


def test_deallocate_with_force_dhcp_release(admin, conf, rpcapi, flat_dhcp):
    conf.config(force_dhcp_release=True)
    manager, _ = flat_dhcp
    instance = make_instance(admin)
    nw_info = rpcapi.allocate_for_instance(admin, instance, 'demo',
                                           'test-host')
    mac = nw_info[0]['address']
    manager.lease_fixed_ip(admin, '10.0.0.2', mac)
    assert fixed_ips(admin)['10.0.0.2']['leased']

    rpcapi.deallocate_for_instance(admin, instance, host='test-host')
    row = fixed_ips(admin)['10.0.0.2']
    assert (row['allocated'], row['leased'], row['instance_uuid'],
            row['virtual_interface_id']) == (False, False, None, None)
    assert live_vifs(admin) == []
    assert info_cache(admin, instance) == []
    assert rpcapi.get_instance_nw_info(admin, instance) == []
    assert manager.driver.released == [('br100', '10.0.0.2', mac)]
    assert manager.driver.dhcp['br100'] == []
    # The address is the next one given out.
    again = manager.allocate_for_instance(admin, make_instance(admin),
                                          'demo', 'test-host')
    assert model_address(again) == '10.0.0.2'


def model_address(nw_info):
    return nw_info[0]['network']['subnets'][0]['ips'][0]['address']


def test_deallocate_waits_for_the_lease_without_force(admin, conf,
                                                      flat_dhcp):
    conf.config(force_dhcp_release=False)
    manager, _ = flat_dhcp
    leased_instance, idle_instance = make_instance(admin), make_instance(
        admin)
    leased = manager.allocate_for_instance(admin, leased_instance, 'demo',
                                           'test-host')
    manager.allocate_for_instance(admin, idle_instance, 'demo', 'test-host')
    manager.lease_fixed_ip(admin, '10.0.0.2', leased[0]['address'])

    manager.deallocate_for_instance(admin, leased_instance)
    manager.deallocate_for_instance(admin, idle_instance)
    rows = fixed_ips(admin)
    # Leased: deallocated, but kept until dnsmasq says the lease ended.
    assert not rows['10.0.0.2']['allocated']
    assert rows['10.0.0.2']['instance_uuid'] == leased_instance
    # Never leased: back in the pool at once.
    assert rows['10.0.0.3']['instance_uuid'] is None
    assert manager.driver.released == []
    assert manager.driver.dhcp['br100'] == []
    # Not given to anyone else meanwhile.
    nw_info = manager.allocate_for_instance(admin, make_instance(admin),
                                            'demo', 'test-host')
    assert model_address(nw_info) == '10.0.0.3'

    manager.release_fixed_ip(admin, '10.0.0.2', leased[0]['address'])
    row = fixed_ips(admin)['10.0.0.2']
    assert row['instance_uuid'] is None and not row['leased']


def test_stale_deallocated_ips_are_disassociated_after_the_timeout(
        admin, conf, flat_dhcp):
    conf.config(force_dhcp_release=False)
    manager, _ = flat_dhcp
    instance = make_instance(admin)
    nw_info = manager.allocate_for_instance(admin, instance, 'demo',
                                            'test-host')
    manager.lease_fixed_ip(admin, '10.0.0.2', nw_info[0]['address'])
    manager.deallocate_for_instance(admin, instance)

    assert manager._disassociate_stale_fixed_ips(admin) == 0
    assert fixed_ips(admin)['10.0.0.2']['instance_uuid'] == instance
    conf.config(fixed_ip_disassociate_timeout=0)
    assert manager._disassociate_stale_fixed_ips(admin) == 1
    row = fixed_ips(admin)['10.0.0.2']
    assert row['instance_uuid'] is None and not row['leased']


def test_twenty_concurrent_allocations_get_twenty_addresses(
        admin, rpcapi, flat_dhcp):
    manager, _ = flat_dhcp
    instances = [make_instance(admin) for _ in range(20)]
    results, errors = {}, []
    barrier = threading.Barrier(20)

    def allocate(instance):
        try:
            barrier.wait()
            results[instance] = rpcapi.allocate_for_instance(
                admin, instance, 'demo', 'test-host')
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=allocate, args=(i,))
               for i in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    got = [model_address(nw_info) for nw_info in results.values()]
    assert len(set(got)) == 20
    assert len({nw_info[0]['address'] for nw_info in results.values()}) == 20
    rows = fixed_ips(admin)
    assert {rows[a]['instance_uuid'] for a in got} == set(instances)
    # dnsmasq ends up with every one of them, whatever the order.
    assert sorted(manager.driver.dhcp_addresses('br100')) == sorted(got)


def test_requested_network_and_fixed_ip(admin, rpcapi, flat_dhcp):
    _, network = flat_dhcp
    first, second = make_instance(admin), make_instance(admin)
    nw_info = rpcapi.allocate_for_instance(
        admin, first, 'demo', 'test-host',
        requested_networks=[{'uuid': network['uuid'],
                             'fixed_ip': '10.0.0.50'}])
    assert model_address(nw_info) == '10.0.0.50'

    # Over RPC the caller gets nimbus's own exceptions.
    with pytest.raises(exception.FixedIpAlreadyInUse) as err:
        rpcapi.allocate_for_instance(
            admin, second, 'demo', 'test-host',
            requested_networks=[{'uuid': network['uuid'],
                                 'fixed_ip': '10.0.0.50'}])
    assert first in str(err.value)
    with pytest.raises(exception.FixedIpReserved):
        rpcapi.allocate_for_instance(
            admin, second, 'demo', 'test-host',
            requested_networks=[{'uuid': network['uuid'],
                                 'fixed_ip': '10.0.0.1'}])
    with pytest.raises(exception.FixedIpNotFoundForNetwork):
        rpcapi.allocate_for_instance(
            admin, second, 'demo', 'test-host',
            requested_networks=[{'uuid': network['uuid'],
                                 'fixed_ip': '10.9.0.5'}])
    with pytest.raises(exception.NetworkNotFound):
        rpcapi.allocate_for_instance(
            admin, second, 'demo', 'test-host',
            requested_networks=[{'uuid': 'ba5eba11-0000-4000-8000-00000000'
                                         '0000'}])
    assert allocated(admin) == ['10.0.0.50']
    assert [v['instance_uuid'] for v in live_vifs(admin)] == [first]


def test_none_means_no_interface(admin, rpcapi, flat_dhcp):
    instance = make_instance(admin)
    assert rpcapi.allocate_for_instance(admin, instance, 'demo', 'test-host',
                                        requested_networks='none') == []
    assert allocated(admin) == []


def test_no_network_at_all(admin, rpcapi, start_network):
    start_network(network_manager.FlatDHCPManager)
    with pytest.raises(exception.NoNetworksFound):
        rpcapi.allocate_for_instance(admin, make_instance(admin), 'demo',
                                     'test-host')


def test_unknown_instance_is_refused(admin, rpcapi, flat_dhcp):
    with pytest.raises(exception.InstanceNotFound):
        rpcapi.allocate_for_instance(admin, 'f00d0000-0000-4000-8000-'
                                     '000000000000', 'demo', 'test-host')


def test_a_failure_on_the_second_network_leaves_nothing(admin, flat_dhcp):
    manager, first = flat_dhcp
    full = create_network(admin, label='tiny', fixed_range_v4='10.9.0.0/30',
                          bridge='br200')
    # 10.9.0.2 is its only address; take it.
    manager.allocate_for_instance(
        admin, make_instance(admin), 'demo', 'test-host',
        requested_networks=[{'uuid': full['uuid']}])
    instance = make_instance(admin)
    with pytest.raises(exception.NoMoreFixedIps) as err:
        manager.allocate_for_instance(admin, instance, 'demo', 'test-host')
    assert 'tiny (%s)' % full['uuid'] in str(err.value)
    assert allocated(admin) == ['10.9.0.2']
    assert [v for v in live_vifs(admin) if v['instance_uuid'] == instance
            ] == []
    assert info_cache(admin, instance) is None


def test_every_network_of_the_project_gets_an_interface(admin, flat_dhcp):
    manager, first = flat_dhcp
    second = create_network(admin, label='second',
                            fixed_range_v4='10.1.0.0/24', bridge='br101')
    create_network(admin, label='theirs', fixed_range_v4='10.2.0.0/24',
                   bridge='br102', project_id='other')
    nw_info = manager.allocate_for_instance(admin, make_instance(admin),
                                            'demo', 'test-host')
    assert [vif['network']['id'] for vif in nw_info] == [first['uuid'],
                                                         second['uuid']]
    assert len({vif['address'] for vif in nw_info}) == 2
    assert sorted(manager.driver.dhcp) == ['br100', 'br101']


def test_driver_failure_rolls_the_allocation_back(admin, flat_dhcp,
                                                  monkeypatch):
    manager, _ = flat_dhcp

    def broken(network):
        raise RuntimeError('no such device eth1')

    monkeypatch.setattr(manager.driver, 'plug', broken)
    instance = make_instance(admin)
    with pytest.raises(RuntimeError):
        manager.allocate_for_instance(admin, instance, 'demo', 'test-host')
    assert allocated(admin) == []
    assert live_vifs(admin) == []
    assert info_cache(admin, instance) == []


def test_mac_collisions_are_retried(admin, flat_dhcp, monkeypatch):
    manager, _ = flat_dhcp
    taken = manager.allocate_for_instance(admin, make_instance(admin),
                                          'demo', 'test-host')[0]['address']
    macs = iter([taken, taken, 'fa:16:3e:aa:bb:cc'])
    monkeypatch.setattr(addresses, 'generate_mac', lambda: next(macs))
    nw_info = manager.allocate_for_instance(admin, make_instance(admin),
                                            'demo', 'test-host')
    assert nw_info[0]['address'] == 'fa:16:3e:aa:bb:cc'

    monkeypatch.setattr(addresses, 'generate_mac', lambda: taken)
    with pytest.raises(exception.VirtualInterfaceMacAddressException):
        manager.allocate_for_instance(admin, make_instance(admin), 'demo',
                                      'test-host')


def test_macs_given_by_the_hypervisor_are_used(admin, flat_dhcp):
    manager, _ = flat_dhcp
    nw_info = manager.allocate_for_instance(
        admin, make_instance(admin), 'demo', 'test-host',
        macs=['FA:16:3E:01:02:03'])
    assert nw_info[0]['address'] == 'fa:16:3e:01:02:03'
    with pytest.raises(exception.Invalid):
        manager.allocate_for_instance(admin, make_instance(admin), 'demo',
                                      'test-host', macs=[])


def test_allocating_twice_answers_the_same(admin, flat_dhcp):
    manager, _ = flat_dhcp
    instance = make_instance(admin)
    first = manager.allocate_for_instance(admin, instance, 'demo',
                                          'test-host')
    assert manager.allocate_for_instance(admin, instance, 'demo',
                                         'test-host') == first
    assert allocated(admin) == ['10.0.0.2']


def test_restart_restores_bridges_and_dhcp(admin, flat_dhcp):
    manager, _ = flat_dhcp
    nw_info = manager.allocate_for_instance(admin, make_instance(admin),
                                            'demo', 'test-host')
    restarted = network_manager.FlatDHCPManager(host='test-host')
    restarted.init_host()
    assert restarted.driver.initialized_ranges == ['10.0.0.0/24']
    assert restarted.driver.bridges['br100']['addresses'] == {'10.0.0.1/24'}
    assert restarted.driver.dhcp_addresses('br100') == [
        model_address(nw_info)]
    # Another host serves none of it.
    other = network_manager.FlatDHCPManager(host='elsewhere')
    other.init_host()
    assert other.driver.bridges == {}


def test_flat_manager_does_nothing_on_the_host(admin, start_network):
    network = create_network(admin, network_manager.FlatManager)
    assert network['injected'] is False
    manager = start_network(network_manager.FlatManager)
    instance = make_instance(admin)
    nw_info = manager.allocate_for_instance(admin, instance, 'demo',
                                            'test-host')
    assert model_address(nw_info) == '10.0.0.2'
    manager.deallocate_for_instance(admin, instance)
    assert allocated(admin) == []
    assert manager.driver.calls == []


def test_flat_injected_marks_flat_networks(admin, conf):
    conf.config(flat_injected=True)
    assert create_network(admin, network_manager.FlatManager)['injected']
    assert not create_network(admin, network_manager.FlatDHCPManager,
                              fixed_range_v4='10.1.0.0/24',
                              bridge='br101')['injected']


def test_lease_of_an_unallocated_address_is_ignored(admin, flat_dhcp):
    manager, _ = flat_dhcp
    manager.lease_fixed_ip(admin, '10.0.0.9', 'fa:16:3e:00:00:09')
    assert not fixed_ips(admin)['10.0.0.9']['leased']


def _dhcp_entries(admin, network_id):
    from nimbus.db.api import fixed_ip as fixed_ip_db
    return sorted(fixed_ip_db.fixed_ip_get_dhcp_hosts(admin, network_id),
                  key=lambda host: host['address'])


def test_dhcp_entries_change_one_by_one_as_the_database(admin, flat_dhcp):
    manager, network = flat_dhcp
    first = make_instance(admin, hostname='vm1')
    manager.allocate_for_instance(admin, first, 'demo', 'test-host')
    # The first change since start gives every entry, later ones only
    # the change.
    assert [call[0] for call in manager.driver.calls
            if 'dhcp' in call[0]] == ['update_dhcp']
    others = [make_instance(admin) for _ in range(3)]
    for instance in others:
        manager.allocate_for_instance(admin, instance, 'demo', 'test-host')
    manager.deallocate_for_instance(admin, others[1])
    assert [call[0] for call in manager.driver.calls
            if 'dhcp' in call[0]][1:] == ['change_dhcp_hosts'] * 3 + [
        'release_dhcp', 'change_dhcp_hosts']
    assert manager.driver.dhcp['br100'] == _dhcp_entries(admin,
                                                         network['id'])
    assert len(manager.driver.dhcp['br100']) == 3
    assert manager.driver.dhcp['br100'][0]['hostname'] == 'vm1'

    # Whatever went astray, the periodic resynchronisation rewrites it
    # from the database.
    manager.driver.dhcp['br100'] = manager.driver.dhcp['br100'][:1]
    manager._resync_dhcp_hosts(admin)
    assert manager.driver.dhcp['br100'] == _dhcp_entries(admin,
                                                         network['id'])
    assert len(manager.driver.dhcp['br100']) == 3


def test_dhcp_entries_after_a_restart_are_read_whole(admin, flat_dhcp):
    manager, network = flat_dhcp
    manager.allocate_for_instance(admin, make_instance(admin), 'demo',
                                  'test-host')
    # A new service whose driver has the entries (the hosts file stays),
    # but which has not given them itself: it reads them all once.
    restarted = network_manager.FlatDHCPManager(host='test-host')
    restarted.driver = manager.driver
    manager.driver.calls.clear()
    restarted.allocate_for_instance(admin, make_instance(admin), 'demo',
                                    'test-host')
    assert [call[0] for call in manager.driver.calls
            if 'dhcp' in call[0]] == ['update_dhcp']
    assert manager.driver.dhcp['br100'] == _dhcp_entries(admin,
                                                         network['id'])


def test_an_entry_undone_before_it_reaches_dhcp_is_not_added(
        admin, flat_dhcp, monkeypatch):
    manager, network = flat_dhcp
    manager.allocate_for_instance(admin, make_instance(admin), 'demo',
                                  'test-host')
    # The compute host deletes the instance (a retried call) after the
    # allocation's transaction, before its DHCP entry reached the driver.
    instance = make_instance(admin)
    setup = manager._setup_network

    def deallocated_meanwhile(context, net, instance_host, **kwargs):
        if kwargs.get('added'):
            manager.deallocate_for_instance(admin, instance, 'test-host')
        return setup(context, net, instance_host, **kwargs)

    monkeypatch.setattr(manager, '_setup_network', deallocated_meanwhile)
    nw_info = manager.allocate_for_instance(admin, instance, 'demo',
                                            'test-host')
    assert model_address(nw_info) not in manager.driver.dhcp_addresses(
        'br100')
    assert manager.driver.dhcp['br100'] == _dhcp_entries(admin,
                                                         network['id'])
    # The address, given again, is added.
    monkeypatch.setattr(manager, '_setup_network', setup)
    again = manager.allocate_for_instance(admin, make_instance(admin),
                                          'demo', 'test-host')
    assert model_address(again) == model_address(nw_info)
    assert manager.driver.dhcp['br100'] == _dhcp_entries(admin,
                                                         network['id'])
    assert len(manager.driver.dhcp['br100']) == 2
