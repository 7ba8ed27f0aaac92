"""The layout and the defaults of nimbus's configuration options."""

import importlib
import importlib.metadata
import os
import pkgutil
import re
import subprocess
import sys
import textwrap

from oslo_config import cfg
import pytest

import nimbus
import nimbus.conf
from nimbus.conf import opts

NIMBUS_DIR = os.path.dirname(os.path.abspath(nimbus.__file__))
LIBRARY_NAMESPACES = ('oslo.log', 'oslo.messaging', 'oslo.db', 'oslo.policy')


def _group_module_names():
    """Every module of nimbus.conf that holds an option group."""
    return sorted(m.name for m in pkgutil.iter_modules(nimbus.conf.__path__)
                  if m.name != 'opts')


def _group_name(group):
    if group is None:
        return 'DEFAULT'
    return getattr(group, 'name', group)


def _flatten(listing):
    """{(group, option)} from a list_opts()-style [(group, [opt])]."""
    return {(_group_name(group), opt.dest)
            for group, group_opts in listing for opt in group_opts}


def _registered(conf):
    """{(group, option)} registered on a ConfigOpts, with its Opt."""
    found = {('DEFAULT', name): info['opt']
             for name, info in conf._opts.items()}
    for group_name, group in conf._groups.items():
        for name, info in group._opts.items():
            found[(group_name, name)] = info['opt']
    return found


def _library_opts():
    entry_points = importlib.metadata.entry_points(group='oslo.config.opts')
    listed = set()
    for ep in entry_points:
        if ep.name in LIBRARY_NAMESPACES:
            listed |= _flatten(ep.load()())
    return listed


@pytest.fixture
def fresh_conf():
    """A ConfigOpts with every nimbus group registered, parsed from no
    file, no command line and no environment."""
    conf = cfg.ConfigOpts()
    for name in _group_module_names():
        importlib.import_module('nimbus.conf.' + name).register_opts(conf)
    conf(args=[], project='nimbus', default_config_files=[],
         default_config_dirs=[], use_env=False,
         validate_default_values=True)
    yield conf
    conf.reset()


@pytest.mark.parametrize('name', _group_module_names())
def test_group_module_has_register_opts_and_list_opts(name):
    module = importlib.import_module('nimbus.conf.' + name)
    assert callable(getattr(module, 'register_opts', None)), (
        'nimbus/conf/%s.py has no register_opts(conf)' % name)
    assert callable(getattr(module, 'list_opts', None)), (
        'nimbus/conf/%s.py has no list_opts()' % name)


def test_opts_lists_every_group_module():
    assert sorted(opts._MODULES) == _group_module_names(), (
        'nimbus/conf/opts.py:_MODULES must name every module of nimbus/conf')


def test_package_registers_every_group_module():
    source = open(os.path.join(NIMBUS_DIR, 'conf', '__init__.py')).read()
    for name in _group_module_names():
        assert re.search(r'^%s\.register_opts\(CONF\)' % name, source,
                         re.M), (
            'nimbus/conf/__init__.py does not call %s.register_opts(CONF)'
            % name)


def test_list_opts_matches_registered_options():
    conf = cfg.ConfigOpts()
    for name in _group_module_names():
        importlib.import_module('nimbus.conf.' + name).register_opts(conf)
    # ConfigOpts registers a few of its own (config_source, ...).
    builtin = set(_registered(cfg.ConfigOpts()))
    registered = set(_registered(conf)) - _library_opts() - builtin
    listed = _flatten(opts.list_opts())
    assert registered - listed == set(), (
        'registered but missing from nimbus.conf.opts.list_opts(), so from '
        'the sample config')
    assert listed - registered == set(), (
        'in list_opts() but not registered by any nimbus/conf module')


def test_global_conf_has_every_listed_option():
    registered = set(_registered(cfg.CONF))
    missing = _flatten(opts.list_opts()) - registered
    assert not missing, 'not registered by importing nimbus.conf'


def test_every_option_has_help():
    undocumented = sorted('[%s] %s' % (_group_name(group), opt.dest)
                          for group, group_opts in opts.list_opts()
                          for opt in group_opts if not opt.help)
    assert not undocumented


def test_options_are_registered_only_in_nimbus_conf():
    # Nova's rule: every option lives in nimbus/conf, so that list_opts()
    # and the sample config see it. Only an executable may add options of
    # its own command line (register_cli_opt in nimbus/cmd).
    any_opt = re.compile(r'\.register_opts?\(')
    cli_opt = re.compile(r'\.register_cli_opts?\(')
    offenders = []
    for dirpath, dirnames, filenames in os.walk(NIMBUS_DIR):
        rel_dir = os.path.relpath(dirpath, NIMBUS_DIR)
        if rel_dir == 'conf':
            dirnames[:] = []
            continue
        for filename in filenames:
            if not filename.endswith('.py'):
                continue
            path = os.path.join(dirpath, filename)
            with open(path) as f:
                for number, line in enumerate(f, 1):
                    if any_opt.search(line) or (cli_opt.search(line) and
                                                rel_dir != 'cmd'):
                        offenders.append('%s:%d' % (
                            os.path.relpath(path, NIMBUS_DIR), number))
    assert not offenders, (
        'options registered outside nimbus/conf: %s' % offenders)


def test_import_reads_no_files(tmp_path):
    # Importing nimbus.conf registers options and nothing else: it neither
    # parses the command line nor opens a configuration file.
    probe = textwrap.dedent('''
        import sys
        opened = []
        sys.addaudithook(lambda event, args: opened.append(args[0])
                         if event == 'open' else None)
        import nimbus.conf
        from oslo_config import cfg
        code = ('.py', '.pyc', '.so', '.pth', '.typed')
        roots = tuple(p for p in sys.path if p)
        for path in opened:
            path = str(path)
            if path.endswith(code) or (path.startswith(roots) and
                    not path.endswith(('.conf', '.ini', '.yaml', '.json'))):
                continue
            # eventlet, imported by libraries to detect it, reads the
            # resolver's files; those are not configuration of ours.
            if path in ('/etc/hosts', '/etc/resolv.conf'):
                continue
            print('opened', path)
        print('parsed', cfg.CONF._args is not None)
    ''')
    home = tmp_path / 'home'
    (home / '.nimbus').mkdir(parents=True)
    (home / '.nimbus' / 'nimbus.conf').write_text('[DEFAULT]\nhost = x\n')
    env = dict(os.environ, HOME=str(home), OS_DEFAULT__HOST='y')
    out = subprocess.run(
        [sys.executable, '-W', 'ignore', '-c', probe, '--config-file',
         str(home / '.nimbus' / 'nimbus.conf')],
        cwd=str(tmp_path), env=env, check=True, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True).stdout
    assert out.splitlines() == ['parsed False'], out


def test_defaults_are_valid(fresh_conf):
    # validate_default_values in the fixture checked every default against
    # its type; here, the relations between them.
    assert fresh_conf.report_interval < fresh_conf.service_down_time, (
        'a service would be reported down between two of its heartbeats')
    assert fresh_conf.host
    assert os.path.isabs(fresh_conf.state_path)
    assert fresh_conf.instances_path.startswith(fresh_conf.state_path)
    assert fresh_conf.database.connection.startswith('sqlite:///' +
                                                     fresh_conf.state_path)


def test_upgrade_levels_default_to_no_cap(fresh_conf):
    for opt in fresh_conf.upgrade_levels:
        assert fresh_conf.upgrade_levels[opt] is None, opt
