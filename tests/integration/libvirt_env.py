"""libvirtd + virtlogd for integration tests and benchmarks, inside a
network namespace of their own.

    with LibvirtEnv(workdir) as env:
        env.netns                  # nimbus-lv-<random>, with bridge br100
        env.relay(5672)            # 127.0.0.1:5672 inside -> outside
        env.wrap(['nimbus-compute', ...])   # a command run inside

Only one libvirtd can run on a machine (its sockets and state live in
fixed paths under /run/libvirt), so the whole lifetime holds an exclusive
flock on /run/nimbus-test-libvirtd.lock: a second test run, from another
worktree say, waits instead of colliding. A libvirtd that somebody else
started is used as it is: then the daemons run in that libvirtd's
network namespace (nsenter), where QEMU's taps are made, on a bridge with
a name of their own (``bridge``) that is removed afterwards, and only the
domains this environment's tests made are removed.

Everything started here is stopped by its PID, and the namespace, the
domains this environment made and the relay sockets are removed in the
finally of ``__exit__``, whatever happened.
"""

import fcntl
import os
import shutil
import signal
import subprocess
import time
import uuid

LOCK_PATH = '/run/nimbus-test-libvirtd.lock'
LIBVIRT_SOCK = '/run/libvirt/libvirt-sock'
LIBVIRTD_PIDFILE = '/run/libvirtd.pid'
BRIDGE = 'br100'
BRIDGE_ADDRESS = '10.0.0.1/24'


def _run(*args, check=True):
    return subprocess.run(list(args), capture_output=True, text=True,
                          check=check, timeout=60)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def foreign_libvirtd_pid():
    """PID of a running libvirtd we did not start, or None."""
    try:
        with open(LIBVIRTD_PIDFILE) as f:
            pid = int(f.read().strip() or 0)
    except (FileNotFoundError, ValueError):
        return None
    if pid and _pid_alive(pid):
        try:
            with open('/proc/%d/comm' % pid) as f:
                if f.read().strip() == 'libvirtd':
                    return pid
        except OSError:
            pass
    return None


def _stop(proc, timeout=20):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class LibvirtEnv:
    def __init__(self, workdir, log_max_bytes=1024 * 1024,
                 lock_timeout=1800):
        self.workdir = str(workdir)
        self.netns = 'nimbus-lv-%s' % uuid.uuid4().hex[:8]
        self.log_max_bytes = log_max_bytes
        self.lock_timeout = lock_timeout
        self._lock_fd = None
        self._procs = []
        self.libvirtd = None
        self.virtlogd = None
        self.owns_libvirtd = False
        self.foreign_pid = None
        self.bridge = BRIDGE
        self._made_netns = False
        self.created_uuids = set()
        os.makedirs(self.workdir, exist_ok=True)

    # Set-up ------------------------------------------------------------

    def __enter__(self):
        try:
            self._lock()
            self.foreign_pid = foreign_libvirtd_pid()
            if self.foreign_pid:
                self.bridge = 'nlv%s' % uuid.uuid4().hex[:8]
            else:
                _run('ip', 'netns', 'add', self.netns)
                self._made_netns = True
                self.ip('link', 'set', 'lo', 'up')
            self._make_bridge()
            if not self.foreign_pid:
                self._start_daemons()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def _lock(self):
        self._lock_fd = os.open(LOCK_PATH, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        '%s held for %ss by another test run' %
                        (LOCK_PATH, self.lock_timeout))
                time.sleep(1)

    def _make_bridge(self):
        self.ip('link', 'add', self.bridge, 'type', 'bridge')
        if not self.foreign_pid:
            self.ip('addr', 'add', BRIDGE_ADDRESS, 'dev', self.bridge)
        self.ip('link', 'set', self.bridge, 'up')

    @property
    def same_netns(self):
        """Whether our daemons share the test process's loopback."""
        if not self.foreign_pid:
            return False
        return os.readlink('/proc/self/ns/net') == os.readlink(
            '/proc/%d/ns/net' % self.foreign_pid)

    def ip(self, *args, check=True):
        return _run(*self.wrap(['ip'] + list(args)), check=check)

    def wrap(self, command):
        """``command`` run inside libvirtd's namespace (``ip netns exec``
        and ``nsenter`` exec it: the PID of the Popen is the
        command's)."""
        if self.foreign_pid:
            if self.same_netns:
                return list(command)
            return ['nsenter', '-t', str(self.foreign_pid), '-n'] + \
                list(command)
        return ['ip', 'netns', 'exec', self.netns] + list(command)

    def _daemon(self, name, command):
        log = open(os.path.join(self.workdir, '%s.log' % name), 'ab')
        proc = subprocess.Popen(self.wrap(command), stdout=log,
                                stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        log.close()
        self._procs.append(proc)
        return proc

    def _start_daemons(self):
        conf = os.path.join(self.workdir, 'virtlogd.conf')
        with open(conf, 'w') as f:
            f.write('max_size = %d\nmax_backups = 1\n' % self.log_max_bytes)
        self.virtlogd = self._daemon('virtlogd', ['virtlogd', '-f', conf])
        self.libvirtd = self._daemon('libvirtd', ['libvirtd'])
        self.owns_libvirtd = True
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for proc, name in ((self.virtlogd, 'virtlogd'),
                               (self.libvirtd, 'libvirtd')):
                if proc.poll() is not None:
                    raise AssertionError('%s exited with %s:\n%s' % (
                        name, proc.returncode, self.log(name)))
            if _run('virsh', '-c', 'qemu:///system', 'version',
                    check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise AssertionError('libvirtd did not answer within 60s:\n%s' %
                             self.log('libvirtd'))

    def log(self, name):
        try:
            with open(os.path.join(self.workdir, '%s.log' % name),
                      errors='replace') as f:
                return f.read()[-4000:]
        except FileNotFoundError:
            return ''

    def relay(self, port):
        """Make 127.0.0.1:``port`` of the root namespace reachable as
        127.0.0.1:``port`` inside ours, through a unix socket."""
        sock = os.path.join(self.workdir, 'relay-%d.sock' % port)
        outside = subprocess.Popen(
            ['socat', 'UNIX-LISTEN:%s,fork,unlink-early' % sock,
             'TCP:127.0.0.1:%d' % port],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._procs.append(outside)
        deadline = time.monotonic() + 10
        while not os.path.exists(sock):
            if time.monotonic() > deadline or outside.poll() is not None:
                raise AssertionError('socat relay for %d did not start' %
                                     port)
            time.sleep(0.05)
        inside = subprocess.Popen(
            self.wrap(['socat', 'TCP-LISTEN:%d,bind=127.0.0.1,fork,'
                       'reuseaddr' % port, 'UNIX-CONNECT:%s' % sock]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._procs.append(inside)
        deadline = time.monotonic() + 10
        while _run(*self.wrap(['socat', '-u', 'OPEN:/dev/null',
                               'TCP:127.0.0.1:%d' % port]),
                   check=False).returncode != 0:
            if time.monotonic() > deadline or inside.poll() is not None:
                raise AssertionError('socat relay for %d did not answer' %
                                     port)
            time.sleep(0.05)

    def expose(self, port):
        """The reverse of ``relay``: make 127.0.0.1:``port`` inside our
        namespace (a daemon listening there) reachable as
        127.0.0.1:``port`` of the root namespace."""
        sock = os.path.join(self.workdir, 'relay-out-%d.sock' % port)
        inside = subprocess.Popen(
            self.wrap(['socat', 'UNIX-LISTEN:%s,fork,unlink-early' % sock,
                       'TCP:127.0.0.1:%d' % port]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._procs.append(inside)
        deadline = time.monotonic() + 10
        while not os.path.exists(sock):
            if time.monotonic() > deadline or inside.poll() is not None:
                raise AssertionError('socat relay out for %d did not start'
                                     % port)
            time.sleep(0.05)
        outside = subprocess.Popen(
            ['socat', 'TCP-LISTEN:%d,bind=127.0.0.1,fork,reuseaddr' % port,
             'UNIX-CONNECT:%s' % sock],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._procs.append(outside)
        deadline = time.monotonic() + 10
        while _run('ss', '-Htln', 'sport = :%d' % port).stdout.strip() == '':
            if time.monotonic() > deadline or outside.poll() is not None:
                raise AssertionError('socat relay out for %d did not listen'
                                     % port)
            time.sleep(0.05)

    # Inspection ----------------------------------------------------------

    def virsh(self, *args, check=True):
        result = _run('virsh', '-c', 'qemu:///system', *args, check=False)
        if check and result.returncode != 0:
            raise AssertionError('virsh %s: %s%s' % (
                ' '.join(args), result.stdout, result.stderr))
        return result.stdout

    def domains(self):
        """{uuid: name} of every domain, running or not."""
        out = self.virsh('list', '--all', '--uuid').split()
        return {u: self.virsh('domname', u).strip() for u in out}

    def domstate(self, uuid):
        return self.virsh('domstate', uuid).strip()

    def qemu_pid(self, name):
        with open('/run/libvirt/qemu/%s.pid' % name) as f:
            return int(f.read().strip())

    # Tear-down -----------------------------------------------------------

    def remove_domains(self, uuids=None):
        """Destroy and undefine the domains (all when we own libvirtd)."""
        try:
            present = self.virsh('list', '--all', '--uuid',
                                 check=False).split()
        except Exception:
            return
        for dom in present:
            if uuids is not None and dom not in uuids:
                continue
            _run('virsh', '-c', 'qemu:///system', 'destroy', dom,
                 check=False)
            _run('virsh', '-c', 'qemu:///system', 'undefine',
                 '--managed-save', '--nvram', dom, check=False)

    def close(self):
        try:
            if self.owns_libvirtd and self.libvirtd is not None and \
                    self.libvirtd.poll() is None:
                self.remove_domains()
            elif self.foreign_pid and self.created_uuids:
                self.remove_domains(self.created_uuids)
        finally:
            for proc in reversed(self._procs):
                _stop(proc)
            self._procs = []
            if self._made_netns:
                _run('ip', 'netns', 'delete', self.netns, check=False)
                self._made_netns = False
            elif self.foreign_pid:
                self.ip('link', 'delete', self.bridge, check=False)
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
            for name in os.listdir(self.workdir) if os.path.isdir(
                    self.workdir) else []:
                if name.startswith('relay-'):
                    os.unlink(os.path.join(self.workdir, name))


def instances_dir():
    """A fresh instances_path the QEMU user can reach (pytest's tmp dirs
    are 0700 root); remove it with shutil.rmtree."""
    base = '/var/lib/nimbus-test'
    os.makedirs(base, mode=0o755, exist_ok=True)
    os.chmod(base, 0o755)
    path = os.path.join(base, uuid.uuid4().hex[:12])
    os.makedirs(path, mode=0o755)
    return path


__all__ = ['LibvirtEnv', 'instances_dir', 'foreign_libvirtd_pid',
           'shutil']
