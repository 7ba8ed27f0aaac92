"""Boundaries that keep the architecture honest, checked on the source."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2] / 'nimbus'

# Compute-side code reaches the database only through the conductor; drivers
# never import the database.
NO_DB = ['virt', 'compute', 'network/linux_net.py', 'network/linux',
         'volume/drivers', 'volume/targets']


def _imports(path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            for alias in node.names:
                yield '%s.%s' % (node.module, alias.name)


def _files(rel):
    target = ROOT / rel
    if target.is_file():
        return [target]
    return sorted(target.rglob('*.py'))


@pytest.mark.parametrize('rel', NO_DB)
def test_compute_side_and_drivers_never_import_the_database(rel):
    offenders = [str(p.relative_to(ROOT)) for p in _files(rel)
                 if any(name == 'nimbus.db' or name.startswith('nimbus.db.')
                        for name in _imports(p))]
    assert offenders == []


def test_no_eventlet():
    # nimbus runs on threads; eventlet is neither imported nor monkey-patched.
    offenders = [str(p.relative_to(ROOT)) for p in ROOT.rglob('*.py')
                 if any(name.split('.')[0] == 'eventlet'
                        for name in _imports(p))]
    assert offenders == []


def test_no_module_reads_config_at_import_time():
    # A module-level CONF.<opt> read would happen before parse_args.
    offenders = []
    for path in ROOT.rglob('*.py'):
        tree = ast.parse(path.read_text(), str(path))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef,
                                 ast.AsyncFunctionDef, ast.Import,
                                 ast.ImportFrom)):
                continue
            for sub in ast.walk(node):
                if (isinstance(sub, ast.Attribute) and
                        isinstance(sub.value, ast.Name) and
                        sub.value.id == 'CONF' and
                        not sub.attr.startswith('register')):
                    offenders.append('%s:%d' % (path.relative_to(ROOT),
                                                sub.lineno))
    assert offenders == []
