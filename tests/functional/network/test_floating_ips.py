"""Floating IPs in nimbus-network: allocation within the quota,
association through the driver of the serving host, restoration at start,
release with the instance, auto-assignment."""

import pytest

from nimbus.db.api import floating_ip as floating_ip_db
from nimbus import exception
from nimbus.network import floating_ips
from nimbus.network import manager as network_manager
from nimbus.network import rpcapi as network_rpcapi
from nimbus import quota
from tests.functional.network.conftest import create_network
from tests.functional.network.conftest import info_cache
from tests.functional.network.conftest import make_instance


def _fixed(nw_info):
    return nw_info[0]['network']['subnets'][0]['ips'][0]['address']


def _floating_of(nw_info):
    return [f['address'] for f in
            nw_info[0]['network']['subnets'][0]['ips'][0]['floating_ips']]


@pytest.fixture
def net(admin, start_network):
    create_network(admin)
    floating_ips.create_range('172.24.4.0/29', pool='public',
                              interface='eth9', context=admin)
    return start_network()


def test_range_creation_makes_host_addresses_and_refuses_overlap(admin):
    assert floating_ips.create_range('172.24.4.0/29', pool='public',
                                     context=admin) == 6
    rows = floating_ip_db.floating_ip_get_all(admin)
    assert [r['address'] for r in rows] == [
        '172.24.4.%d' % i for i in range(1, 7)]
    with pytest.raises(exception.FloatingIpExists):
        floating_ips.create_range('172.24.4.6/31', context=admin)
    assert len(floating_ip_db.floating_ip_get_all(admin)) == 6
    for bad in ('nonsense', '10.0.0.0/8', 'fe80::/120'):
        with pytest.raises(exception.Invalid):
            floating_ips.parse_range(bad)


def test_associate_calls_the_driver_and_shows_in_network_info(admin, net):
    instance = make_instance(admin, 'demo')
    nw_info = net.allocate_for_instance(admin, instance, 'demo', 'test-host')
    fixed = _fixed(nw_info)
    floating = net.allocate_floating_ip(admin, 'demo', 'public')
    assert floating['project_id'] == 'demo'
    assert floating['address'] == '172.24.4.1'

    net.associate_floating_ip(admin, '172.24.4.1', fixed)
    assert ('ensure_floating_ip', '172.24.4.1', fixed, 'eth9') in (
        net.driver.calls)
    assert net.driver.floating == {'172.24.4.1': (fixed, 'eth9')}
    assert _floating_of(net.get_instance_nw_info(admin, instance)) == [
        '172.24.4.1']
    assert _floating_of(info_cache(admin, instance)) == ['172.24.4.1']
    with pytest.raises(exception.FloatingIpAssociated):
        other = make_instance(admin, 'demo')
        other_fixed = _fixed(net.allocate_for_instance(admin, other, 'demo',
                                                       'test-host'))
        net.associate_floating_ip(admin, '172.24.4.1', other_fixed)

    net.disassociate_floating_ip(admin, '172.24.4.1')
    assert ('remove_floating_ip', '172.24.4.1', fixed, 'eth9') in (
        net.driver.calls)
    assert net.driver.floating == {}
    assert _floating_of(info_cache(admin, instance)) == []
    with pytest.raises(exception.FloatingIpNotAssociated):
        net.disassociate_floating_ip(admin, '172.24.4.1')


def test_quota_limits_allocation(admin, net):
    quota.QUOTAS.update_project_quota(admin, 'demo', 'floating_ips', 2)
    net.allocate_floating_ip(admin, 'demo', 'public')
    net.allocate_floating_ip(admin, 'demo', 'public')
    with pytest.raises(exception.OverQuota):
        net.allocate_floating_ip(admin, 'demo', 'public')
    # Auto-assigned addresses do not count, as in Nova.
    net.allocate_floating_ip(admin, 'demo', 'public', auto_assigned=True)


def test_pool_runs_out(admin, net):
    for _ in range(6):
        net.allocate_floating_ip(admin, 'p%d' % _, 'public')
    with pytest.raises(exception.NoMoreFloatingIps):
        net.allocate_floating_ip(admin, 'late', 'public')


def test_deallocating_the_instance_disassociates_its_floating_ips(admin,
                                                                  net):
    instance = make_instance(admin, 'demo')
    fixed = _fixed(net.allocate_for_instance(admin, instance, 'demo',
                                             'test-host'))
    net.allocate_floating_ip(admin, 'demo', 'public')
    net.associate_floating_ip(admin, '172.24.4.1', fixed)
    net.deallocate_for_instance(admin, instance)
    row = floating_ip_db.floating_ip_get_by_address(admin, '172.24.4.1')
    # Still the project's (it allocated it), no longer associated.
    assert (row['project_id'], row['fixed_ip'], row['host']) == (
        'demo', None, None)
    assert net.driver.floating == {}


def test_auto_assigned_floating_ip_comes_and_goes_with_the_instance(
        admin, net, conf):
    conf.config(auto_assign_floating_ip=True, default_floating_pool='public')
    instance = make_instance(admin, 'demo')
    nw_info = net.allocate_for_instance(admin, instance, 'demo', 'test-host')
    assert _floating_of(nw_info) == ['172.24.4.1']
    row = floating_ip_db.floating_ip_get_by_address(admin, '172.24.4.1')
    assert row['auto_assigned'] and row['instance_uuid'] == instance
    net.deallocate_for_instance(admin, instance)
    row = floating_ip_db.floating_ip_get_by_address(admin, '172.24.4.1')
    assert row['project_id'] is None and not row['auto_assigned']


def test_init_host_restores_floating_ips_and_metadata_forward(
        admin, net, start_network, conf):
    conf.config(metadata_host='192.0.2.10', metadata_port=8775)
    instance = make_instance(admin, 'demo')
    fixed = _fixed(net.allocate_for_instance(admin, instance, 'demo',
                                             'test-host'))
    net.allocate_floating_ip(admin, 'demo', 'public')
    net.associate_floating_ip(admin, '172.24.4.1', fixed)
    # A restarted network service on the same host.
    again = start_network(host='test-host')
    assert again.driver.floating == {'172.24.4.1': (fixed, 'eth9')}
    assert again.driver.metadata_forward == ('192.0.2.10', 8775)


def test_multi_host_association_runs_on_the_instance_host(admin,
                                                          start_network):
    create_network(admin, multi_host=True)
    floating_ips.create_range('172.24.4.8/30', context=admin)
    api_side = start_network(host='net-host')
    compute_side = start_network(host='compute-a')
    instance = make_instance(admin, 'demo', host='compute-a')
    nw_info = network_rpcapi.NetworkAPI().allocate_for_instance(
        admin, instance, 'demo', 'compute-a')
    fixed = _fixed(nw_info)
    address = api_side.allocate_floating_ip(admin, 'demo')['address']
    api_side.associate_floating_ip(admin, address, fixed)
    assert compute_side.driver.floating == {address: (fixed, 'eth0')}
    assert api_side.driver.floating == {}
    api_side.disassociate_floating_ip(admin, address)
    assert compute_side.driver.floating == {}


def test_flat_manager_sets_up_nothing_at_start(admin, start_network):
    create_network(admin, network_manager.FlatManager)
    manager = start_network(network_manager.FlatManager)
    assert manager.driver.calls == []
