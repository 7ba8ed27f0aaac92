"""The checked-in etc/nimbus/nimbus.conf.sample matches the options."""

import difflib
import os
import re
import socket
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
GENERATOR_CONF = os.path.join('etc', 'nimbus',
                              'nimbus-config-generator.conf')
SAMPLE = os.path.join(REPO, 'etc', 'nimbus', 'nimbus.conf.sample')
FIX = ('run `tox -e genconfig` (or .venv/bin/oslo-config-generator '
       '--config-file %s) and commit etc/nimbus/nimbus.conf.sample'
       % GENERATOR_CONF)


def _generate(path):
    # A child process: what other tests did to option defaults in this one
    # must not leak into the sample.
    subprocess.run(
        [sys.executable, '-W', 'ignore', '-c',
         'from oslo_config.generator import main; main()',
         '--config-file', GENERATOR_CONF, '--output-file', str(path)],
        cwd=REPO, check=True, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    with open(path) as f:
        return f.read()


@pytest.fixture(scope='module')
def generated(tmp_path_factory):
    return _generate(tmp_path_factory.mktemp('genconfig') / 'nimbus.conf')


def test_sample_is_up_to_date(generated):
    assert os.path.exists(SAMPLE), 'no %s: %s' % (SAMPLE, FIX)
    with open(SAMPLE) as f:
        checked_in = f.read()
    if checked_in != generated:
        diff = ''.join(difflib.unified_diff(
            checked_in.splitlines(True), generated.splitlines(True),
            'etc/nimbus/nimbus.conf.sample (checked in)',
            'etc/nimbus/nimbus.conf.sample (generated)', n=1))
        lines = diff.splitlines()
        if len(lines) > 60:
            diff = '\n'.join(lines[:60] + ['... (%d more lines)'
                                           % (len(lines) - 60)])
        pytest.fail('etc/nimbus/nimbus.conf.sample is out of date with the '
                    'options in the code: %s.\n%s' % (FIX, diff))


def test_sample_covers_every_namespace(generated):
    for namespace in ('nimbus.conf', 'oslo.log', 'oslo.messaging',
                      'oslo.db', 'oslo.policy'):
        assert '# From %s\n' % namespace in generated, namespace


def test_sample_is_machine_independent(generated):
    # A default computed from this machine (its name, its paths) must have
    # a sample_default, or every machine would generate another sample.
    local = {socket.gethostname(), socket.getfqdn(), REPO,
             os.path.expanduser('~'), os.getcwd(), sys.prefix}
    local -= {'', '/', 'localhost', 'localhost.localdomain'}
    found = []
    for line in generated.splitlines():
        m = re.match(r'#(\w+) = (.*)$', line)
        if not m:
            continue
        value = m.group(2)
        if any(value == v or (v.startswith('/') and v in value)
               for v in local):
            found.append(line)
    assert not found, (
        'the sample shows defaults of this machine; give these options a '
        'sample_default: %s' % found)
