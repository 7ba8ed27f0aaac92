"""Lease events from nimbus-dhcpbridge reach the fixed_ips table."""

import time

import pytest

from nimbus.cmd import dhcpbridge
from nimbus import context as nimbus_context
from nimbus.db.api import fixed_ip as fixed_ip_db
from nimbus.db import migration
from nimbus.db import models
from nimbus.db import session
from nimbus.network import manager as network_manager
from nimbus.network import rpcapi as network_rpcapi
from nimbus import service

MAC = 'fa:16:3e:00:00:01'


@pytest.fixture
def network(conf, fake_rpc):
    migration.db_sync()
    context = nimbus_context.get_admin_context()
    with session.writer.using(context) as db:
        net = models.Network(label='private', cidr='10.0.0.0/24',
                             bridge='br100')
        db.add(net)
        db.flush()
        vif = models.VirtualInterface(address=MAC, network_id=net.id)
        db.add(vif)
        db.flush()
        db.add(models.FixedIp(address='10.0.0.5', network_id=net.id,
                              virtual_interface_id=vif.id, allocated=True))
        db.add(models.FixedIp(address='10.0.0.6', network_id=net.id,
                              allocated=False))
    svc = service.Service('test-host', 'nimbus-network', 'network',
                          network_manager.NetworkManager(host='test-host'))
    svc.start()
    yield context
    svc.stop()
    svc.wait(10)


def _leased(context, address):
    return fixed_ip_db.fixed_ip_get_by_address(context, address)['leased']


def _wait(predicate, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_lease_and_release_reach_the_database(network):
    api = network_rpcapi.NetworkAPI()
    api.lease_fixed_ip(network, '10.0.0.5', MAC, host='test-host')
    assert _wait(lambda: _leased(network, '10.0.0.5'))
    api.release_fixed_ip(network, '10.0.0.5', MAC, host='test-host')
    assert _wait(lambda: not _leased(network, '10.0.0.5'))
    # Still allocated to its interface: a release does not free it.
    row = fixed_ip_db.fixed_ip_get_by_address(network, '10.0.0.5')
    assert row['virtual_interface_id'] is not None


def test_lease_for_another_mac_changes_nothing(network):
    manager = network_manager.NetworkManager(host='test-host')
    manager.lease_fixed_ip(network, '10.0.0.5', 'fa:16:3e:99:99:99')
    assert not _leased(network, '10.0.0.5')
    # Unknown addresses are logged and ignored, not raised to dnsmasq.
    manager.lease_fixed_ip(network, '10.9.9.9', MAC)


@pytest.mark.parametrize('argv', [
    ['nimbus-dhcpbridge'], ['nimbus-dhcpbridge', 'add', MAC],
    ['nimbus-dhcpbridge', 'frob', MAC, '10.0.0.5'],
])
def test_dhcpbridge_rejects_bad_events(argv, capsys):
    assert dhcpbridge.main(argv) == 2
    assert 'usage: nimbus-dhcpbridge' in capsys.readouterr().err


def test_dhcpbridge_init_reports_no_leases():
    assert dhcpbridge.main(['nimbus-dhcpbridge', 'init']) == 0
