"""FlatDHCPManager with network_driver = linux_net, end to end on the
host: an allocation plugs the bridge and gives dnsmasq the instance's
entry, a guest gets that address, a restarted nimbus-network finds
everything in place, a deallocation ends the lease."""

import os
import re
import shutil
import tempfile

from oslo_serialization import jsonutils
import pytest

from nimbus.db import migration
from nimbus.network import manager as network_manager
from tests.functional.network.conftest import create_network
from tests.functional.network.conftest import fixed_ips
from tests.functional.network.conftest import make_instance
from tests.integration.network import netns
from tests.integration.network import test_dhcp

SERVICE = 'tests.integration.network.agent.NetworkService'
MANAGER = 'nimbus.network.manager.FlatDHCPManager'


def normalized(save):
    return [re.sub(r'\[\d+:\d+\]', '[0:0]', line)
            for line in save.splitlines() if not line.startswith('#')]


@pytest.fixture
def shared_dir():
    path = tempfile.mkdtemp(prefix='nimbus-ln-')
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path)


def test_allocation_wires_the_host_and_survives_a_restart(
        conf, namespaces, agents, tmp_path, shared_dir):
    from nimbus import context as nimbus_context
    migration.db_sync()
    admin = nimbus_context.get_admin_context()
    network = jsonutils.to_primitive(
        create_network(admin, network_manager.FlatDHCPManager),
        convert_datetime=True)
    instance = make_instance(admin, hostname='vm1')

    cloud = namespaces('cloud')
    guest = namespaces('guest')
    netns.veth(cloud, 'tap-vm1', guest, 'eth0')
    config = netns.write_config(
        tmp_path / 'agent.conf',
        sections={'database': {'connection': conf.conf.database.connection}},
        state_path=str(tmp_path), host='test-host',
        networks_path=os.path.join(shared_dir, 'networks'),
        dhcpbridge='/bin/true', public_interface='pub0',
        routing_source_ip='192.0.2.10', metadata_host='10.0.0.1')
    service = agents(cloud, config)
    service.create('svc', SERVICE, MANAGER, 'test-host', 'linux_net')
    service.call('svc', 'init_host')
    try:
        nw_info = service.call('svc', 'allocate', instance, 'demo')
        mac = nw_info[0]['address']
        address = nw_info[0]['network']['subnets'][0]['ips'][0]['address']
        # What libvirt does with the tap: onto the bridge nimbus made.
        cloud.ip('link', 'set', 'tap-vm1', 'master', 'br100')
        guest.ip('link', 'set', 'eth0', 'address', mac)
        script = test_dhcp._script(os.path.join(shared_dir, 'udhcpc.sh'),
                                   test_dhcp.UDHCPC_SCRIPT)
        got, output = test_dhcp.udhcpc(guest, script)
        assert got, output
        assert 'bound %s 255.255.255.0 10.0.0.1' % address in output
        assert ('-A nimbus-snat -s 10.0.0.0/24 -o pub0 -j SNAT '
                '--to-source 192.0.2.10') in cloud.iptables_save('nat')
        pid = service.call('svc', 'manager.driver.dhcp_pid', network)

        # nimbus-network restarts: same dnsmasq, same rules, no duplicate.
        built = normalized(cloud.iptables_save())
        service.stop()
        service = agents(cloud, config)
        service.create('svc', SERVICE, MANAGER, 'test-host', 'linux_net')
        service.call('svc', 'init_host')
        assert service.call('svc', 'manager.driver.dhcp_pid', network) == pid
        assert normalized(cloud.iptables_save()) == built
        assert service.call('svc', 'manager.driver.iptables.restores') == 0

        # Deallocation releases the lease at once (force_dhcp_release).
        service.call('svc', 'deallocate', instance)
        leases = os.path.join(shared_dir, 'networks', 'nimbus-br100.leases')
        assert netns.wait_for(lambda: address not in open(leases).read())
        hosts = os.path.join(shared_dir, 'networks', 'nimbus-br100.hosts')
        assert open(hosts).read() == ''
        row = fixed_ips(admin)[address]
        assert not row['allocated'] and row['instance_uuid'] is None
        got, output = test_dhcp.udhcpc(guest, script)
        assert not got, output
    finally:
        if service.proc.poll() is None:
            service.call('svc', 'manager.driver.kill_dhcp', network)
