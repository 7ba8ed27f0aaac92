"""Concurrent allocations on SQLite, MariaDB and PostgreSQL.

Each backend serialises differently (SQLite takes its write lock at BEGIN;
InnoDB's REPEATABLE READ and PostgreSQL's READ COMMITTED lock rows), so
the allocation queries are run here against all three, with threads
standing in for the RPC workers of nimbus-network. MariaDB
(127.0.0.1:3306) and PostgreSQL (127.0.0.1:5432) run on every development
and CI machine (tests/integration/db/databases.py); an unreachable server
is a failure, not a skip.
"""

import threading

import pytest

from nimbus import context as nimbus_context
from nimbus.db import migration
from nimbus.db import session
from nimbus.network import manager as network_manager
from tests.functional.network.conftest import create_network
from tests.functional.network.conftest import fixed_ips
from tests.functional.network.conftest import make_instance
from tests.integration.db import databases


@pytest.fixture(params=databases.BACKENDS)
def admin(request, conf, tmp_path):
    with databases.create(request.param, tmp_path) as url:
        session.configure(connection=url)
        try:
            migration.db_sync()
            yield nimbus_context.get_admin_context()
        finally:
            # Close pooled connections before the database is dropped.
            session.reset()


def _run_concurrently(target, args_list):
    errors = []
    barrier = threading.Barrier(len(args_list))

    def run(*args):
        try:
            barrier.wait()
            target(*args)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def _address(nw_info):
    return nw_info[0]['network']['subnets'][0]['ips'][0]['address']


def test_twenty_concurrent_allocations_get_twenty_addresses(admin):
    create_network(admin, fixed_range_v4='10.0.0.0/24')
    manager = network_manager.FlatDHCPManager(host='test-host')
    instances = [make_instance(admin) for _ in range(20)]
    results = {}

    def allocate(instance):
        results[instance] = manager.allocate_for_instance(
            nimbus_context.get_admin_context(), instance, 'demo',
            'test-host')

    assert _run_concurrently(allocate, [(i,) for i in instances]) == []
    addresses = [_address(nw_info) for nw_info in results.values()]
    assert len(set(addresses)) == 20
    assert len({nw_info[0]['address'] for nw_info in results.values()}) == 20
    rows = fixed_ips(admin)
    assert sorted(a for a, row in rows.items() if row['allocated']) == sorted(
        addresses)
    assert {rows[a]['instance_uuid'] for a in addresses} == set(instances)
    assert sorted(manager.driver.dhcp_addresses('br100')) == sorted(
        addresses)


def test_concurrent_allocations_never_share_the_last_addresses(admin):
    # 5 addresses for 8 instances: 5 succeed, 3 get NoMoreFixedIps and
    # leave nothing behind.
    create_network(admin, fixed_range_v4='10.0.0.0/29')
    manager = network_manager.FlatDHCPManager(host='test-host')
    instances = [make_instance(admin) for _ in range(8)]
    results = {}

    def allocate(instance):
        results[instance] = manager.allocate_for_instance(
            nimbus_context.get_admin_context(), instance, 'demo',
            'test-host')

    errors = _run_concurrently(allocate, [(i,) for i in instances])
    assert len(results) == 5
    assert [type(error).__name__ for error in errors] == ['NoMoreFixedIps'] * 3
    rows = fixed_ips(admin)
    taken = {a: row['instance_uuid'] for a, row in rows.items()
             if row['allocated']}
    assert len(taken) == 5
    assert set(taken.values()) == set(results)


def test_concurrent_first_boots_of_a_project_share_one_vlan(admin):
    create_network(admin, network_manager.VlanManager, label='vlan',
                   fixed_range_v4='10.10.0.0/22', num_networks=4,
                   network_size=256, bridge_interface='eth2')
    manager = network_manager.VlanManager(host='test-host')
    jobs = [(make_instance(admin, project), project)
            for project in ('a', 'a', 'a', 'b', 'b', 'c')]
    results = {}

    def allocate(instance, project):
        results[instance] = (project, manager.allocate_for_instance(
            nimbus_context.get_admin_context(), instance, project,
            'test-host'))

    assert _run_concurrently(allocate, jobs) == []
    by_project = {}
    for project, nw_info in results.values():
        by_project.setdefault(project, set()).add(
            nw_info[0]['network']['id'])
    assert all(len(ids) == 1 for ids in by_project.values()), by_project
    assert len(set().union(*by_project.values())) == 3


def test_allocate_deallocate_and_a_taken_mac_on_every_backend(admin,
                                                              monkeypatch):
    from nimbus.network import addresses
    from tests.functional.network.conftest import info_cache
    from tests.functional.network.conftest import live_vifs
    create_network(admin, fixed_range_v4='10.0.0.0/24')
    manager = network_manager.FlatDHCPManager(host='test-host')
    first = make_instance(admin)
    nw_info = manager.allocate_for_instance(admin, first, 'demo',
                                            'test-host')
    assert info_cache(admin, first) == nw_info
    # A MAC taken already: the unique key refuses it, the allocation is
    # tried again whole (PostgreSQL ends the transaction on the error).
    macs = iter([nw_info[0]['address'], 'fa:16:3e:aa:bb:cc'])
    monkeypatch.setattr(addresses, 'generate_mac', lambda: next(macs))
    second = make_instance(admin)
    again = manager.allocate_for_instance(admin, second, 'demo', 'test-host')
    assert again[0]['address'] == 'fa:16:3e:aa:bb:cc'
    assert _address(again) != _address(nw_info)
    assert len(live_vifs(admin)) == 2

    manager.deallocate_for_instance(admin, first)
    assert info_cache(admin, first) == []
    rows = fixed_ips(admin)
    assert not rows[_address(nw_info)]['allocated']
    assert rows[_address(nw_info)]['instance_uuid'] is None
    assert rows[_address(nw_info)]['updated_at'] is not None
    assert [vif['instance_uuid'] for vif in live_vifs(admin)] == [second]
    assert manager.driver.dhcp_addresses('br100') == [_address(again)]
    # Allocated again (info cache row there already): the same address
    # comes back first.
    monkeypatch.setattr(addresses, 'generate_mac',
                        lambda: 'fa:16:3e:aa:bb:cd')
    third = manager.allocate_for_instance(admin, first, 'demo', 'test-host')
    assert _address(third) == _address(nw_info)
    assert info_cache(admin, first) == third
    assert sorted(manager.driver.dhcp_addresses('br100')) == sorted(
        [_address(again), _address(third)])
