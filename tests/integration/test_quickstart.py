"""The README's run command: tools/quickstart boots a first server with
nimbus-all (SQLite, in-process bus) and stops cleanly on SIGTERM."""

import os
import signal
import subprocess
import sys
import time

from tests.integration import daemons

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def _run_until(proc, marker, timeout):
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return lines
    raise AssertionError('no %r within %ss:\n%s' % (marker, timeout,
                                                    ''.join(lines)))


def test_quickstart_boots_a_server_and_stops(tmp_path):
    command = [sys.executable, os.path.join(ROOT, 'tools', 'quickstart.py'),
               '--state-path', str(tmp_path),
               '--api-port', str(daemons.free_port()),
               '--image-port', str(daemons.free_port()),
               '--metadata-port', str(daemons.free_port())]
    for run in (1, 2):  # the second run finds the same cloud
        proc = subprocess.Popen(command, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        try:
            lines = _run_until(proc, 'nimbus is running', timeout=180)
            text = ''.join(lines)
            assert 'server quickstart is ACTIVE' in text, text
            assert 'addresses: 10.0.0.' in text, text
        finally:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out
        assert 'nimbus-all stopped (exit status 0)' in out


def test_quickstart_boots_a_real_guest_with_libvirt():
    """As root with libvirt: the quick start starts libvirtd, builds and
    registers the test guest image and boots it for real."""
    import fcntl
    import json
    import shutil
    import urllib.request

    from tests.integration import libvirt_env

    lock = os.open(libvirt_env.LOCK_PATH, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(lock, fcntl.LOCK_EX)  # one libvirtd per machine
    state = libvirt_env.instances_dir()
    api_port = daemons.free_port()
    command = [sys.executable, os.path.join(ROOT, 'tools', 'quickstart.py'),
               '--virt', 'libvirt', '--state-path', state,
               '--api-port', str(api_port),
               '--image-port', str(daemons.free_port())]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    out = ''
    try:
        lines = _run_until(proc, 'nimbus is running', timeout=300)
        text = ''.join(lines)
        assert 'server quickstart is ACTIVE' in text, text
        assert '"nimbus-guest: booted" on its console' in text, text
        # Delete the guest so that nothing outlives the test.
        headers = {'X-Auth-Token': 'admin:admin'}
        base = 'http://127.0.0.1:%d/v2.1/servers' % api_port
        req = urllib.request.Request(base + '?name=^quickstart$',
                                     headers=headers)
        [server] = json.load(urllib.request.urlopen(req))['servers']
        urllib.request.urlopen(urllib.request.Request(
            '%s/%s' % (base, server['id']), method='DELETE',
            headers=headers))
        deadline = time.monotonic() + 60
        while subprocess.run(['virsh', '-c', 'qemu:///system', 'domstate',
                              server['id']],
                             capture_output=True).returncode == 0:
            assert time.monotonic() < deadline, 'domain left behind'
            time.sleep(0.5)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=90)
        if 'bridge br100 created' in out or 'bridge br100 created' in \
                ''.join(locals().get('lines', [])):
            subprocess.run(['ip', 'link', 'delete', 'br100'],
                           capture_output=True)
        shutil.rmtree(state, ignore_errors=True)
        os.close(lock)
    assert proc.returncode == 0, out
    assert not os.path.exists(os.path.join(state, 'instances'))
