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
