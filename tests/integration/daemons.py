"""Runs nimbus daemons as separate processes for integration tests.

Every process started here is stopped by its PID at teardown, even when the
test failed; logs stay in the test's tmp directory and are printed on
failure by the fixture.
"""

import os
import signal
import socket
import subprocess
import sys
import time

VENV_BIN = os.path.dirname(sys.executable)
DAEMONS = ('conductor', 'scheduler', 'network', 'volume', 'compute', 'api')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Cloud:
    """A config file and the daemons started with it."""

    def __init__(self, workdir, transport_url, db_url, host='node1',
                 report_interval=1, service_down_time=5):
        self.workdir = str(workdir)
        self.host = host
        self.api_port = free_port()
        self.image_port = free_port()
        self.metadata_port = free_port()
        self.config_file = os.path.join(self.workdir, 'nimbus.conf')
        self.processes = {}
        self.transport_url = transport_url
        self.db_url = db_url
        os.makedirs(os.path.join(self.workdir, 'state'), exist_ok=True)
        with open(self.config_file, 'w') as conf:
            conf.write(
                '[DEFAULT]\n'
                'host = %(host)s\n'
                'state_path = %(state)s\n'
                'transport_url = %(transport)s\n'
                'report_interval = %(report)d\n'
                'service_down_time = %(down)d\n'
                'periodic_interval = 5\n'
                'graceful_shutdown_timeout = 8\n'
                'osapi_compute_listen = 127.0.0.1\n'
                'osapi_compute_listen_port = %(port)d\n'
                'image_listen = 127.0.0.1\n'
                'image_listen_port = %(image_port)d\n'
                'metadata_listen = 127.0.0.1\n'
                'metadata_listen_port = %(metadata_port)d\n'
                'rpc_response_timeout = 10\n'
                '[glance]\n'
                'api_servers = http://127.0.0.1:%(image_port)d\n'
                '[database]\n'
                'connection = %(db)s\n'
                '[oslo_messaging_rabbit]\n'
                'rabbit_retry_interval = 1\n'
                'rabbit_retry_backoff = 1\n'
                'rabbit_interval_max = 2\n'
                'heartbeat_timeout_threshold = 10\n'
                % {'host': host, 'state': os.path.join(self.workdir, 'state'),
                   'transport': transport_url, 'report': report_interval,
                   'down': service_down_time, 'port': self.api_port,
                   'image_port': self.image_port,
                   'metadata_port': self.metadata_port,
                   'db': db_url})

    def command(self, name):
        return [os.path.join(VENV_BIN, name), '--config-file',
                self.config_file]

    def manage(self, *args, check=True):
        result = subprocess.run(self.command('nimbus-manage') + list(args),
                                capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise AssertionError('nimbus-manage %s failed (%d): %s%s' % (
                ' '.join(args), result.returncode, result.stdout,
                result.stderr))
        return result

    def start(self, daemon, host=None, name=None, wrap=None):
        """Start nimbus-<daemon>; ``host`` runs it as another node (its own
        small config file on top of the shared one), ``name`` keys it in
        ``processes`` (default: the daemon, or daemon@host); ``wrap``
        turns the command line into another that runs it (for example
        inside a network namespace: LibvirtEnv.wrap) and must exec it, so
        that the PID stays the daemon's."""
        name = name or (daemon if host is None else '%s@%s' % (daemon, host))
        command = self.command('nimbus-' + daemon)
        if host is not None:
            override = os.path.join(self.workdir, '%s.conf' % name)
            with open(override, 'w') as conf:
                conf.write('[DEFAULT]\nhost = %s\n' % host)
            command += ['--config-file', override]
        if wrap is not None:
            command = wrap(command)
        log = open(os.path.join(self.workdir, 'nimbus-%s.log' % name), 'ab')
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        log.close()
        self.processes[name] = proc
        return proc

    def add_config(self, text):
        """Append raw ini text to the shared config file (before start)."""
        with open(self.config_file, 'a') as conf:
            conf.write(text)

    def start_all(self):
        for daemon in DAEMONS:
            self.start(daemon)

    def service_states(self):
        """{binary: (status, state)} from `nimbus-manage service list`."""
        out = self.manage('service', 'list').stdout.splitlines()
        states = {}
        for line in out[1:]:
            cols = line.split()
            states[cols[0]] = (cols[3], cols[4])
        return states

    def wait_for_states(self, wanted, timeout):
        """Wait until every binary in ``wanted`` has that up/down state."""
        deadline = time.monotonic() + timeout
        states = {}
        while time.monotonic() < deadline:
            states = self.service_states()
            if all(states.get(b, (None, None))[1] == s
                   for b, s in wanted.items()):
                return states
            self.assert_running(exclude=[b.split('-', 1)[1] for b, s in
                                         wanted.items() if s == 'down'])
            time.sleep(0.5)
        raise AssertionError('services not %s within %ss: %s' % (
            wanted, timeout, states))

    def assert_running(self, exclude=()):
        for daemon, proc in self.processes.items():
            if daemon not in exclude and proc.poll() is not None:
                raise AssertionError('nimbus-%s exited with %s:\n%s' % (
                    daemon, proc.returncode, self.log(daemon)[-3000:]))

    def log(self, daemon):
        path = os.path.join(self.workdir, 'nimbus-%s.log' % daemon)
        with open(path, errors='replace') as f:
            return f.read()

    def stop(self, daemon, sig=signal.SIGTERM, timeout=15):
        """Signal one daemon; return (exit code, seconds it took)."""
        proc = self.processes[daemon]
        began = time.monotonic()
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return proc.returncode, time.monotonic() - began

    def stop_all(self, timeout=15):
        """SIGTERM every daemon at once; SIGKILL what outlives timeout."""
        running = [p for p in self.processes.values() if p.poll() is None]
        for proc in running:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in running:
            try:
                proc.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
