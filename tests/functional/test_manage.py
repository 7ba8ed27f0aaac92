"""nimbus-manage as operators run it: a subprocess with a config file."""

import os
import subprocess
import sys

import pytest

MANAGE = os.path.join(os.path.dirname(sys.executable), 'nimbus-manage')


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / 'nimbus.conf'
    path.write_text('[DEFAULT]\nstate_path = %s\n'
                    '[database]\nconnection = sqlite:///%s/nimbus.sqlite\n'
                    % (tmp_path, tmp_path))
    return str(path)


def manage(config_file, *args):
    return subprocess.run([MANAGE, '--config-file', config_file] + list(args),
                          capture_output=True, text=True, timeout=60)


def test_db_sync_is_idempotent_and_version_reports_head(config_file):
    assert manage(config_file, 'db', 'version').stdout.startswith('None')
    first = manage(config_file, 'db', 'sync')
    assert first.returncode == 0, first.stderr
    head = manage(config_file, 'db', 'version').stdout.strip()
    assert head and head != 'None'
    second = manage(config_file, 'db', 'sync')
    assert second.returncode == 0, second.stderr
    assert manage(config_file, 'db', 'version').stdout.strip() == head


def test_service_list_enable_disable(config_file, tmp_path):
    assert manage(config_file, 'db', 'sync').returncode == 0
    import sqlite3
    db = sqlite3.connect(str(tmp_path / 'nimbus.sqlite'))
    db.execute("INSERT INTO services (host, `binary`, topic, report_count, "
               "disabled, forced_down, deleted, created_at, last_seen_up) "
               "VALUES ('h1', 'nimbus-compute', 'compute', 1, 0, 0, 0, "
               "datetime('now'), datetime('now'))")
    db.commit()
    out = manage(config_file, 'service', 'list').stdout.splitlines()
    assert out[0].split() == ['Binary', 'Host', 'Zone', 'Status', 'State',
                              'Updated_At']
    assert out[1].split()[:5] == ['nimbus-compute', 'h1', 'nimbus',
                                  'enabled', 'up']

    result = manage(config_file, 'service', 'disable', '--host', 'h1',
                    '--binary', 'nimbus-compute', '--reason', 'maintenance')
    assert result.returncode == 0, result.stderr
    assert manage(config_file, 'service', 'list').stdout.splitlines()[
        1].split()[3] == 'disabled'
    assert manage(config_file, 'service', 'enable', '--host', 'h1',
                  '--binary', 'nimbus-compute').returncode == 0
    assert manage(config_file, 'service', 'list').stdout.splitlines()[
        1].split()[3] == 'enabled'


def test_unknown_service_is_a_clear_error(config_file):
    assert manage(config_file, 'db', 'sync').returncode == 0
    result = manage(config_file, 'service', 'disable', '--host', 'nope',
                    '--binary', 'nimbus-compute')
    assert result.returncode == 1
    assert 'No service nimbus-compute on host nope' in result.stderr


@pytest.mark.parametrize('args', [
    ['bogus'], ['db'], ['db', 'frobnicate'], ['service', 'enable'],
])
def test_bad_arguments_exit_2(config_file, args):
    result = manage(config_file, *args)
    assert result.returncode == 2
    assert 'usage' in result.stderr.lower() or 'error' in result.stderr


def test_unreachable_database_is_a_clear_error(tmp_path):
    path = tmp_path / 'nimbus.conf'
    path.write_text('[database]\nconnection = mysql+pymysql://nimbus:secret@'
                    '127.0.0.1:1/nimbus\nmax_retries = 0\n')
    result = manage(str(path), 'db', 'sync')
    assert result.returncode == 1
    assert 'cannot use the database at mysql+pymysql://***@127.0.0.1:1' in (
        result.stderr)
    assert 'secret' not in result.stderr
    assert 'Traceback' not in result.stderr


def test_floating_create_list_delete(config_file):
    assert manage(config_file, 'db', 'sync').returncode == 0
    result = manage(config_file, 'floating', 'create', '--ip_range',
                    '172.24.4.0/30', '--pool', 'public', '--interface',
                    'eth1')
    assert result.returncode == 0, result.stderr
    assert 'Created 2 floating IP(s)' in result.stdout
    lines = manage(config_file, 'floating', 'list').stdout.splitlines()
    assert [line.split()[1:] for line in lines[1:]] == [
        ['172.24.4.1', 'None', 'public', 'eth1'],
        ['172.24.4.2', 'None', 'public', 'eth1']]
    # Overlapping: refused, nothing added.
    result = manage(config_file, 'floating', 'create', '--ip_range',
                    '172.24.4.2/31')
    assert result.returncode == 1
    assert 'already exists' in result.stderr
    assert len(manage(config_file, 'floating', 'list').stdout
               .splitlines()) == 3
    result = manage(config_file, 'floating', 'delete', '--ip_range',
                    '172.24.4.0/30')
    assert result.returncode == 0, result.stderr
    assert manage(config_file, 'floating', 'list').stdout.splitlines()[
        1:] == []


@pytest.mark.parametrize('ip_range', ['nonsense', '10.0.0.0/8',
                                      '2001:db8::/120', '300.1.1.1'])
def test_floating_create_bad_range_exits_2_and_changes_nothing(config_file,
                                                               ip_range):
    assert manage(config_file, 'db', 'sync').returncode == 0
    result = manage(config_file, 'floating', 'create', '--ip_range',
                    ip_range)
    assert result.returncode == 2, result.stderr
    assert 'Traceback' not in result.stderr
    assert manage(config_file, 'floating', 'list').stdout.splitlines()[
        1:] == []
    assert manage(config_file, 'floating', 'create').returncode == 2
