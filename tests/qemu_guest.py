"""Boot the test guest image in QEMU directly, without libvirt.

For the guest image's own tests and for benchmarks: one QEMU process, its
serial console written to a file, a QMP socket for ``system_powerdown``.
Every QEMU this starts is stopped by its PID in :meth:`Qemu.stop` (also on
``with`` exit), and its scratch directory removed.

The metadata service is faked inside QEMU's user-mode network (slirp):
:func:`metadata_netdev` makes a ``-netdev user`` whose network is
169.254.0.0/16 (slirp forwards only addresses inside its own network) with
a ``guestfwd`` for 169.254.169.254:80 that runs this file once per
connection to answer one HTTP request from a table of paths. ``restrict=on``
keeps the guest from reaching anything else. No server process to manage.

Run as a script with ``--metadata-responder DIR`` it is that responder:
request on stdin, response on stdout, paths asked for appended to
``DIR/requests.log``.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

QEMU = 'qemu-system-x86_64'
METADATA_GUEST_IP = '169.254.0.15'


class GuestError(AssertionError):
    """The guest did not do what was awaited; carries the console's tail."""


def metadata_netdev(workdir, routes, netdev_id='n0'):
    """A ``-netdev`` value: slirp with DHCP and a fake metadata service.

    routes maps request paths (``/latest/meta-data/instance-id``) to
    response bodies; other paths get a 404. The guest's lease is
    169.254.0.15/16.
    """
    os.makedirs(workdir, exist_ok=True)
    with open(os.path.join(workdir, 'routes.json'), 'w') as f:
        json.dump(routes, f)
    command = '%s %s --metadata-responder %s' % (
        sys.executable, os.path.abspath(__file__), workdir)
    if ' ' in workdir or ' ' in sys.executable:
        raise ValueError('slirp splits guestfwd commands at spaces')
    return ('user,id=%s,restrict=on,net=169.254.0.0/16,host=169.254.0.2,'
            'dhcpstart=%s,guestfwd=tcp:169.254.169.254:80-cmd:%s'
            % (netdev_id, METADATA_GUEST_IP, command.replace(',', ',,')))


def metadata_requests(workdir):
    """Paths the guest asked the fake metadata service for, in order."""
    try:
        with open(os.path.join(workdir, 'requests.log')) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def _respond_once(workdir):
    with open(os.path.join(workdir, 'routes.json')) as f:
        routes = json.load(f)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    request = stdin.readline().decode('latin-1').split()
    while stdin.readline() not in (b'\r\n', b'\n', b''):
        pass
    path = request[1] if len(request) > 1 else ''
    with open(os.path.join(workdir, 'requests.log'), 'a') as log:
        log.write(path + '\n')
    body = routes.get(path)
    if body is None:
        stdout.write(b'HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n'
                     b'Connection: close\r\n\r\n')
    else:
        data = body.encode()
        stdout.write(b'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n'
                     b'Content-Length: %d\r\nConnection: close\r\n\r\n'
                     % len(data) + data)
    stdout.flush()


class Qemu:
    """One QEMU guest of the test image.

    boot='kernel' boots vmlinuz + initrd.img directly (-kernel/-initrd/
    -append); boot='disk' boots disk.qcow2 alone through SeaBIOS and
    syslinux (read-only to the image: ``snapshot=on``). netdev is a
    ``-netdev`` value with id ``n0`` (a virtio NIC is added) or None for
    no NIC at all.
    """

    def __init__(self, image_dir, boot='kernel', memory_mb=128, accel='tcg',
                 netdev=None, extra_args=()):
        self.image_dir = image_dir
        self.boot = boot
        self.memory_mb = memory_mb
        self.accel = accel
        self.netdev = netdev
        self.extra_args = list(extra_args)
        self.proc = None
        # Short path: a unix socket path must fit in 108 bytes.
        self.workdir = tempfile.mkdtemp(prefix='nimbus-qemu-')
        self.serial_path = os.path.join(self.workdir, 'serial.log')
        self.qmp_path = os.path.join(self.workdir, 'qmp.sock')
        self._qmp = None
        self._out = None
        self._seen = ''
        self._offset = 0

    def command(self):
        with open(os.path.join(self.image_dir, 'manifest.json')) as f:
            cmdline = json.load(f)['cmdline']
        cmd = [QEMU, '-accel', self.accel, '-m', str(self.memory_mb),
               '-nographic', '-monitor', 'none', '-no-reboot',
               '-serial', 'file:' + self.serial_path,
               '-qmp', 'unix:%s,server=on,wait=off' % self.qmp_path]
        if self.boot == 'kernel':
            cmd += ['-kernel', os.path.join(self.image_dir, 'vmlinuz'),
                    '-initrd', os.path.join(self.image_dir, 'initrd.img'),
                    '-append', cmdline]
        elif self.boot == 'disk':
            cmd += ['-drive', 'file=%s,if=virtio,format=qcow2,snapshot=on'
                    % os.path.join(self.image_dir, 'disk.qcow2').replace(
                        ',', ',,')]
        else:
            raise ValueError('boot must be kernel or disk: %r' % self.boot)
        if self.netdev:
            cmd += ['-netdev', self.netdev,
                    '-device', 'virtio-net-pci,netdev=n0']
        else:
            cmd += ['-nic', 'none']
        return cmd + self.extra_args

    def start(self):
        self._out = open(os.path.join(self.workdir, 'qemu.out'), 'wb')
        self.proc = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL, stdout=self._out,
            stderr=subprocess.STDOUT)
        return self

    def console(self):
        """All the serial console has printed so far."""
        try:
            with open(self.serial_path, 'rb') as f:
                f.seek(self._offset)
                chunk = f.read()
        except FileNotFoundError:
            return self._seen
        self._offset += len(chunk)
        self._seen += chunk.decode('utf-8', 'replace').replace('\r', '')
        return self._seen

    def qemu_output(self):
        try:
            with open(os.path.join(self.workdir, 'qemu.out'), 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except FileNotFoundError:
            return ''

    def _fail(self, what):
        raise GuestError('%s\n--- QEMU: %s\n--- console (last 3000 chars):\n%s'
                         % (what, self.qemu_output().strip(),
                            self.console()[-3000:]))

    def wait_for(self, pattern, timeout=120.0, poll=0.05):
        """Wait until the console shows pattern (a string or compiled regex)
        at the start of a line; the match object. GuestError on timeout or
        if QEMU exits first."""
        if isinstance(pattern, str):
            pattern = re.compile(r'^' + re.escape(pattern), re.M)
        deadline = time.monotonic() + timeout
        while True:
            found = pattern.search(self.console())
            if found:
                return found
            if self.proc.poll() is not None:
                self._fail('QEMU exited (%s) before %r appeared'
                           % (self.proc.returncode, pattern.pattern))
            if time.monotonic() > deadline:
                self._fail('%r did not appear within %.0f s'
                           % (pattern.pattern, timeout))
            time.sleep(poll)

    def qmp(self, execute, **arguments):
        """One QMP command; its 'return' value (events are skipped)."""
        if self._qmp is None:
            sock = socket.socket(socket.AF_UNIX)
            sock.settimeout(10)
            sock.connect(self.qmp_path)
            self._qmp = sock.makefile('rw')
            json.loads(self._qmp.readline())  # the greeting
            self._qmp_call('qmp_capabilities', {})
        return self._qmp_call(execute, arguments)

    def _qmp_call(self, execute, arguments):
        request = {'execute': execute}
        if arguments:
            request['arguments'] = arguments
        self._qmp.write(json.dumps(request) + '\n')
        self._qmp.flush()
        while True:
            reply = json.loads(self._qmp.readline())
            if 'error' in reply:
                raise GuestError('QMP %s: %s' % (execute, reply['error']))
            if 'return' in reply:
                return reply['return']

    def system_powerdown(self):
        """Press the ACPI power button."""
        self.qmp('system_powerdown')

    def wait_exit(self, timeout):
        """QEMU's exit status; GuestError if it still runs after timeout."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._fail('QEMU still running %.0f s later' % timeout)

    def stop(self):
        """Stop this QEMU (by its PID) and remove its scratch directory."""
        if self._qmp is not None:
            try:
                self._qmp.close()
            except OSError:
                pass
            self._qmp = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._out is not None:
            self._out.close()
            self._out = None
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == '--metadata-responder':
        _respond_once(sys.argv[2])
    else:
        sys.exit('usage: %s --metadata-responder DIR' % sys.argv[0])
