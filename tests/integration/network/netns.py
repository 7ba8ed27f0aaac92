"""Network namespaces for the tests of the Linux network driver.

Every test makes its own namespaces (``nimbus-ln-<hex>``) and removes
them, with everything in them, when it ends, pass or fail. Scaffolding
(veth pairs, guest addresses) uses the ``ip`` command: only nimbus code
must go through netlink. nimbus code itself runs in an ``Agent``: a
Python process started in the namespace with ``ip netns exec`` that
executes calls sent over a pipe, so that the driver, its iptables and its
dnsmasq all live in the namespace, and a restart of the daemon is a new
agent.
"""

import json
import os
import secrets
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
BUSYBOX = '/bin/busybox'
# Every namespace this process made (see the session check in conftest).
CREATED = []


def run(argv, check=True, **kwargs):
    done = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if check and done.returncode != 0:
        raise AssertionError('%s failed (%d): %s%s' % (
            ' '.join(argv), done.returncode, done.stdout, done.stderr))
    return done


class Namespace:
    """One network namespace; ``close()`` kills what runs in it and
    deletes it."""

    def __init__(self, role):
        self.name = 'nimbus-ln-%s-%s' % (role, secrets.token_hex(4))
        run(['ip', 'netns', 'add', self.name])
        CREATED.append(self.name)
        self.ip('link', 'set', 'lo', 'up')
        self.processes = []

    def argv(self, *argv):
        return ['ip', 'netns', 'exec', self.name] + list(argv)

    def exec(self, *argv, check=True, timeout=60):
        return run(self.argv(*argv), check=check, timeout=timeout)

    def ip(self, *args, check=True):
        return self.exec('ip', *args, check=check)

    def spawn(self, *argv, **kwargs):
        kwargs.setdefault('stdout', subprocess.DEVNULL)
        kwargs.setdefault('stderr', subprocess.DEVNULL)
        proc = subprocess.Popen(self.argv(*argv), **kwargs)
        self.processes.append(proc)
        return proc

    def pids(self):
        done = run(['ip', 'netns', 'pids', self.name], check=False)
        return [int(pid) for pid in done.stdout.split()]

    def iptables_save(self, table=None):
        argv = ['iptables-save'] + (['-t', table] if table else [])
        return self.exec(*argv).stdout

    def close(self):
        """Stop what runs in the namespace (by PID) and delete it; raises
        when the namespace is still there afterwards."""
        for proc in self.processes:
            if proc.poll() is None:
                proc.kill()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    pass
        # Anything else still in the namespace is the test's (dnsmasq the
        # driver started and the test did not stop, a guest's udhcpc):
        # stopped by PID, then the namespace goes.
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        done = run(['ip', 'netns', 'del', self.name], check=False)
        if self.exists():
            raise AssertionError('namespace %s not deleted: %s'
                                 % (self.name, done.stderr))

    def exists(self):
        listed = run(['ip', 'netns', 'list'], check=False).stdout
        return self.name in listed.split()


def veth(ns_a, name_a, ns_b, name_b):
    """A veth pair from ``name_a`` in ``ns_a`` to ``name_b`` in ``ns_b``,
    both up. A namespace is a Namespace or the name of one made
    elsewhere (LibvirtEnv.netns)."""
    a, b = (getattr(ns, 'name', ns) for ns in (ns_a, ns_b))
    run(['ip', 'link', 'add', name_a, 'netns', a, 'type', 'veth', 'peer',
         'name', name_b, 'netns', b])
    for name, ifname in ((a, name_a), (b, name_b)):
        run(['ip', 'netns', 'exec', name, 'ip', 'link', 'set', ifname, 'up'])


class RemoteError(Exception):
    def __init__(self, kind, message):
        super().__init__('%s: %s' % (kind, message))
        self.kind = kind
        self.message = message


class Agent:
    """A Python process in ``namespace`` running nimbus code.

    ``create(name, 'module.Class', *args)`` makes an object there;
    ``call(name, 'method', *args, **kwargs)`` calls a method of it and
    returns the (JSON) result, or raises RemoteError with the exception's
    class name and message.
    """

    def __init__(self, namespace, config_file):
        self.namespace = namespace
        self.proc = namespace.spawn(
            sys.executable, '-m', 'tests.integration.network.agent',
            '--config-file', config_file, cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None,
            text=True, bufsize=1)
        assert self._read() == {'ready': True}

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError('agent in %s died (exit %s)' % (
                self.namespace.name, self.proc.wait(10)))
        return json.loads(line)

    def _send(self, message):
        self.proc.stdin.write(json.dumps(message) + '\n')
        self.proc.stdin.flush()
        answer = self._read()
        if 'error' in answer:
            raise RemoteError(*answer['error'])
        return answer.get('result')

    def create(self, name, class_path, *args, **kwargs):
        return self._send({'create': name, 'class': class_path,
                           'args': args, 'kwargs': kwargs})

    def call(self, name, method, *args, **kwargs):
        return self._send({'call': name, 'method': method, 'args': args,
                           'kwargs': kwargs})

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def write_config(path, sections=None, **options):
    """A nimbus.conf with ``options`` in [DEFAULT] and ``sections``
    ({group: {option: value}})."""
    groups = dict({'DEFAULT': options}, **(sections or {}))
    lines = []
    for group, values in groups.items():
        lines.append('[%s]' % group)
        for key, value in values.items():
            items = value if isinstance(value, list) else [value]
            lines += ['%s = %s' % (key, item) for item in items]
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


def wait_for(predicate, timeout=10, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def connect(namespace, address, port, timeout=2, source=None):
    """A TCP connection from ``namespace`` to address:port (from
    ``source`` if given): the address the listener saw it come from, or
    None when nothing answered within ``timeout``."""
    code = ('import socket,sys\n'
            's=socket.socket()\n'
            's.settimeout(%r)\n'
            'src=%r\n'
            'src and s.bind((src,0))\n'
            'try:\n'
            '    s.connect((%r,%d)); data=s.recv(64).decode()\n'
            'except OSError as e:\n'
            '    print(e); sys.exit(1)\n'
            'print(data)\n'
            % (timeout, source, address, port))
    done = namespace.exec(sys.executable, '-c', code, check=False,
                          timeout=timeout + 30)
    words = done.stdout.split()
    if done.returncode == 0 and words[:1] == ['nimbus']:
        return words[1]
    return None


def reaches(namespace, address, port, source=None, attempts=5):
    """connect(), tried again (ARP, a busy machine) until it answers:
    for connections that must work."""
    for _ in range(attempts):
        peer = connect(namespace, address, port, source=source)
        if peer is not None:
            return peer
    return None


LISTENER = ('import socket\n'
            's=socket.socket()\n'
            's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n'
            's.bind((%r,%d)); s.listen(16)\n'
            'print("listening", flush=True)\n'
            'while True:\n'
            '    c,peer=s.accept()\n'
            '    c.sendall(("nimbus %%s" %% peer[0]).encode()); c.close()\n')


def listen(namespace, address, port):
    """A TCP listener in ``namespace`` that answers 'nimbus <peer>' (it
    stops with the namespace)."""
    proc = namespace.spawn(sys.executable, '-c', LISTENER % (address, port),
                           stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == 'listening'
    return proc


ECHO = ('import socket, threading\n'
        's=socket.socket()\n'
        's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n'
        's.bind((%r,%d)); s.listen(16)\n'
        'print("listening", flush=True)\n'
        'def serve(c):\n'
        '    while True:\n'
        '        data=c.recv(64)\n'
        '        if not data: break\n'
        '        c.sendall(data)\n'
        'while True:\n'
        '    c,_=s.accept()\n'
        '    threading.Thread(target=serve, args=(c,), daemon=True).start()\n')

SESSION = ('import socket, sys\n'
           's=socket.create_connection((%r,%d), timeout=3)\n'
           'print("connected", flush=True)\n'
           'for line in sys.stdin:\n'
           '    try:\n'
           '        s.sendall(line.encode()); data=s.recv(64).decode()\n'
           '    except OSError:\n'
           '        data=""\n'
           '    print("echo " + data.strip(), flush=True)\n')


def echo_server(namespace, address, port):
    proc = namespace.spawn(sys.executable, '-c', ECHO % (address, port),
                           stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == 'listening'
    return proc


class Session:
    """One TCP connection from ``namespace`` kept open across steps."""

    def __init__(self, namespace, address, port):
        self.proc = namespace.spawn(
            sys.executable, '-c', SESSION % (address, port),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.connected = self.proc.stdout.readline().strip() == 'connected'

    def exchange(self, word):
        """``word`` sent and echoed back? (False once the connection no
        longer works.)"""
        self.proc.stdin.write(word + '\n')
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip() == 'echo ' + word
