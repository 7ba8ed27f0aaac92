"""nimbus-manage network create / list / delete, as operators run it: a
subprocess with a config file."""

import concurrent.futures
import os
import sqlite3
import subprocess
import sys

import pytest

MANAGE = os.path.join(os.path.dirname(sys.executable), 'nimbus-manage')

VLAN = 'nimbus.network.manager.VlanManager'


def _config(tmp_path, name='nimbus.conf', **defaults):
    lines = ['[DEFAULT]', 'state_path = %s' % tmp_path]
    lines += ['%s = %s' % item for item in defaults.items()]
    lines += ['[database]',
              'connection = sqlite:///%s/nimbus.sqlite' % tmp_path]
    path = tmp_path / name
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


def manage(config_file, *args):
    return subprocess.run([MANAGE, '--config-file', config_file] + list(args),
                          capture_output=True, text=True, timeout=120)


def _rows(tmp_path, sql):
    db = sqlite3.connect(str(tmp_path / 'nimbus.sqlite'))
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def _dump(tmp_path):
    return (_rows(tmp_path, 'SELECT * FROM networks ORDER BY id'),
            _rows(tmp_path, 'SELECT * FROM fixed_ips ORDER BY id'))


@pytest.fixture(scope='module')
def cloud_db(tmp_path_factory):
    """A database with one flat network, 10.0.0.0/24 on br100."""
    tmp_path = tmp_path_factory.mktemp('manage-network')
    config = _config(tmp_path)
    assert manage(config, 'db', 'sync').returncode == 0
    result = manage(config, 'network', 'create', '--label', 'private',
                    '--fixed_range_v4', '10.0.0.0/24', '--bridge_interface',
                    'eth1', '--dns1', '8.8.8.8', '--multi_host', 'F')
    assert result.returncode == 0, result.stderr
    return tmp_path, config


def test_create_writes_the_network_and_its_addresses(cloud_db):
    tmp_path, config = cloud_db
    [network] = _rows(tmp_path, 'SELECT uuid, label, cidr, netmask, '
                      'gateway, broadcast, dhcp_start, dhcp_server, bridge, '
                      'bridge_interface, vlan, dns1, multi_host, project_id, '
                      'host FROM networks')
    assert network[1:] == ('private', '10.0.0.0/24', '255.255.255.0',
                           '10.0.0.1', '10.0.0.255', '10.0.0.2', '10.0.0.1',
                           'br100', 'eth1', None, '8.8.8.8', 0, None, None)
    assert len(network[0]) == 36
    counts = _rows(tmp_path, 'SELECT count(*), sum(reserved), '
                   'sum(allocated) FROM fixed_ips')
    assert counts == [(256, 3, 0)]
    assert _rows(tmp_path, 'SELECT address FROM fixed_ips WHERE reserved '
                 'ORDER BY id') == [('10.0.0.0',), ('10.0.0.1',),
                                    ('10.0.0.255',)]

    out = manage(config, 'network', 'list').stdout.splitlines()
    assert out[0].split() == ['id', 'IPv4', 'IPv6', 'start', 'address',
                              'DNS1', 'DNS2', 'VlanID', 'project', 'uuid',
                              'label']
    assert out[1].split() == ['1', '10.0.0.0/24', 'None', '10.0.0.2',
                              '8.8.8.8', 'None', 'None', 'None', network[0],
                              'private']


# The rules are tested in-process (test_networks.py); these check that the
# command reports them and exits 1 having written nothing.
BAD_INPUT = [
    ([], ['--fixed_range_v4', '10.0.0.5/24'], 'host bits set'),
    ([], ['--fixed_range_v4', '10.0.0.128/25', '--bridge', 'br1'],
     'conflicts with network private'),
    ([], ['--fixed_range_v4', '10.9.0.0/24', '--bridge', 'br1',
          '--network_size', '2'], 'too small'),
    (['network_manager', VLAN],
     ['--fixed_range_v4', '10.9.0.0/24', '--vlan', '4095',
      '--bridge_interface', 'eth2'], 'VLAN 4095 is out of range 1-4094'),
]


def test_bad_input_is_refused_and_changes_nothing(cloud_db):
    tmp_path, config = cloud_db
    before = _dump(tmp_path)

    def run(index):
        extra_conf, args, _ = BAD_INPUT[index]
        conf = config
        if extra_conf:
            conf = _config(tmp_path, 'bad-%d.conf' % index,
                           **{extra_conf[0]: extra_conf[1]})
        return manage(conf, 'network', 'create', '--label', 'bad', *args)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, range(len(BAD_INPUT))))
    for (_, args, message), result in zip(BAD_INPUT, results):
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert 'Traceback' not in result.stderr
    assert _dump(tmp_path) == before


def test_missing_label_is_a_usage_error(cloud_db):
    _, config = cloud_db
    result = manage(config, 'network', 'create', '--fixed_range_v4',
                    '10.9.0.0/24')
    assert result.returncode == 2
    assert '--label' in result.stderr


def test_vlan_networks_and_delete(tmp_path):
    config = _config(tmp_path, network_manager=VLAN, vlan_interface='eth2')
    assert manage(config, 'db', 'sync').returncode == 0
    result = manage(config, 'network', 'create', '--label', 'proj',
                    '--fixed_range_v4', '10.20.0.0/23', '--num_networks', '2',
                    '--vlan', '300', '--vpn', '2000')
    assert result.returncode == 0, result.stderr
    assert [line.split(' (')[0] for line in result.stdout.splitlines()] == [
        'Created network proj_1 10.20.0.0/24',
        'Created network proj_2 10.20.1.0/24']
    assert result.stdout.splitlines()[1].endswith('on bridge br301, VLAN 301')
    assert _rows(tmp_path, 'SELECT label, cidr, vlan, bridge, '
                 'bridge_interface, dhcp_start, vpn_private_address, '
                 'vpn_public_port FROM networks ORDER BY id') == [
        ('proj_1', '10.20.0.0/24', 300, 'br300', 'eth2', '10.20.0.3',
         '10.20.0.2', 2000),
        ('proj_2', '10.20.1.0/24', 301, 'br301', 'eth2', '10.20.1.3',
         '10.20.1.2', 2001)]

    # An allocated address keeps the network.
    db = sqlite3.connect(str(tmp_path / 'nimbus.sqlite'))
    db.execute("UPDATE fixed_ips SET allocated = 1 WHERE address = "
               "'10.20.0.7'")
    db.commit()
    refused = manage(config, 'network', 'delete', '--fixed_range',
                     '10.20.0.0/24')
    assert refused.returncode == 1
    assert 'still in use: 1 fixed IP(s) allocated' in refused.stderr
    db.execute("UPDATE fixed_ips SET allocated = 0")
    db.commit()
    db.close()

    [(net_uuid,)] = _rows(tmp_path, "SELECT uuid FROM networks WHERE vlan "
                          "= 301")
    for args in (['--fixed_range', '10.20.0.0/24'], ['--uuid', net_uuid]):
        result = manage(config, 'network', 'delete', *args)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith('Deleted network proj_')
    assert manage(config, 'network', 'list').stdout.splitlines()[1:] == []
    assert _rows(tmp_path, 'SELECT count(*) FROM fixed_ips WHERE deleted '
                 '= 0') == [(0,)]
