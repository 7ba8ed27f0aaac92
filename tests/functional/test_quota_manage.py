"""nimbus-manage flavor and quota, run as operators run them."""

from tests.functional.test_manage import config_file  # noqa: F401
from tests.functional.test_manage import manage


def _ok(result):
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_flavor_create_defaults_list_delete(config_file):  # noqa: F811
    _ok(manage(config_file, 'db', 'sync'))
    assert 'Created 5' in _ok(manage(config_file, 'flavor',
                                     'create-defaults'))
    assert 'Created 0' in _ok(manage(config_file, 'flavor',
                                     'create_defaults'))
    out = _ok(manage(config_file, 'flavor', 'create', '--name', 'x1',
                     '--memory', '64', '--cpu', '1', '--root_gb', '0',
                     '--flavor', 'x1', '--is_public', 'false'))
    assert 'id x1' in out
    listing = _ok(manage(config_file, 'flavor', 'list'))
    assert 'm1.tiny' in listing and 'm1.xlarge' in listing
    assert 'x1' in listing
    again = manage(config_file, 'flavor', 'create', '--name', 'x1',
                   '--memory', '64', '--cpu', '1', '--root_gb', '0')
    assert again.returncode == 1 and 'already exists' in again.stderr
    bad = manage(config_file, 'flavor', 'create', '--name', 'x2',
                 '--memory', '0', '--cpu', '1', '--root_gb', '0')
    assert bad.returncode == 1
    _ok(manage(config_file, 'flavor', 'delete', '--name', 'x1'))
    assert 'x1' not in _ok(manage(config_file, 'flavor', 'list'))
    missing = manage(config_file, 'flavor', 'delete', '--name', 'x1')
    assert missing.returncode == 1 and 'x1' in missing.stderr


def test_quota_defaults_update_show_delete(config_file):  # noqa: F811
    _ok(manage(config_file, 'db', 'sync'))
    assert 'instances' in _ok(manage(config_file, 'quota', 'defaults'))
    _ok(manage(config_file, 'quota', 'update', '--project', 'p1',
               '--resource', 'instances', '--limit', '3'))
    shown = _ok(manage(config_file, 'quota', 'show', '--project', 'p1'))
    line = [row for row in shown.splitlines()
            if row.startswith('instances ')][0]
    assert line.split()[1:] == ['3', '0']
    bad = manage(config_file, 'quota', 'update', '--project', 'p1',
                 '--resource', 'bogus', '--limit', '3')
    assert bad.returncode == 1
    _ok(manage(config_file, 'quota', 'delete', '--project', 'p1'))
    shown = _ok(manage(config_file, 'quota', 'show', '--project', 'p1'))
    assert [row for row in shown.splitlines()
            if row.startswith('instances ')][0].split()[1] == '10'
