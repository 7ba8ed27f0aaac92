"""The nimbus test guest image: a Debian kernel and a busybox initramfs.

nimbus's integration tests and benchmarks boot real QEMU guests; this module
builds the small guest they boot, offline, from Debian packages already on
the machine (``linux-image-amd64``, ``busybox-static``, ``syslinux`` and
``mtools``), the way other clouds use cirros. It lives under ``tests/``
because only tests, benchmarks and dev tools need it: it is not part of what
nimbus installs on an operator's machine. ``tools/build-guest-image`` is its
command line; Python callers use :func:`build_image`.

What a build writes (into the cache, then copied to ``--output``)::

    vmlinuz       the kernel, as found in /boot
    initrd.img    gzip'd newc cpio: busybox, /init, the virtio modules
    disk.qcow2    a FAT "superfloppy" with syslinux, the same kernel and
                  initramfs inside: boots by itself from SeaBIOS
    manifest.json sizes, sha256, kernel version, cmdline, modules in load
                  order, source Debian packages, the input hash

Builds are cached under ``--cache-dir`` (default
``/var/cache/nimbus/guest-image``) by a hash of every input (this file, the
kernel, the modules, busybox, syslinux), so a second call returns at once;
a cache entry whose files no longer match their manifest is rebuilt.

What the guest does
-------------------
``/init`` prints ``booted``, mounts proc, sys and devtmpfs, loads the
modules listed in ``/etc/nimbus/modules`` with ``insmod`` (dependencies
first), and hands PID 1 to busybox ``init``. That starts ``acpid`` (the ACPI
power button runs ``/etc/acpi/power``: ``poweroff``) and runs the boot
script once: lo and eth0 up, a DHCP lease with ``udhcpc`` (about 15 s at
most), the EC2-style metadata from ``http://169.254.169.254/latest/``
(instance-id, hostname, ``public-keys/0/openssh-key`` into
``/root/.ssh/authorized_keys``; 5 s per request, 5 tries), then the
user-data, run if it starts with ``#!`` (its output goes to the console).
A root shell then runs on the console.

Memory: 128 MB is what the tests give it; 96 MB is enough, 80 MB is not:
Debian's kernel asks for 64 MB (its bzImage ``init_size``) above the
16 MB it loads at just to decompress itself, so 64 MB cannot work with it.

Console marker contract
-----------------------
Printed on the serial console (``console=ttyS0``), each at the start of a
line, in this order; other code waits for these exact strings
(``MARKER_*`` below)::

    nimbus-guest: booted                    /init started
    nimbus-guest: ip <addr>/<prefix> dev eth0   DHCP lease bound
    nimbus-guest: no dhcp lease             no lease within ~15 s, or no eth0
    nimbus-guest: metadata instance-id=<id> hostname=<name>
    nimbus-guest: no metadata               none after the retries
    nimbus-guest: user-data ran rc=<n>      user-data (#!) ran, exit status
    nimbus-guest: no user-data              none (or no metadata at all)
    nimbus-guest: ready                     boot complete
    nimbus-guest: powering off              ACPI power button pressed

User-data that does not start with ``#!`` is not run and gives
``nimbus-guest: user-data not run (no #!)``.
"""

import argparse
import contextlib
import fcntl
import gzip
import hashlib
import io
import json
import lzma
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

DEFAULT_CACHE_DIR = '/var/cache/nimbus/guest-image'
CMDLINE = 'console=ttyS0 quiet'
# FAT volume of disk.qcow2: room for the kernel and initramfs and to spare.
DISK_MB = 32
FILES = ('vmlinuz', 'initrd.img', 'disk.qcow2')

MARKER_BOOTED = 'nimbus-guest: booted'
MARKER_IP = 'nimbus-guest: ip '
MARKER_NO_LEASE = 'nimbus-guest: no dhcp lease'
MARKER_METADATA = 'nimbus-guest: metadata instance-id='
MARKER_NO_METADATA = 'nimbus-guest: no metadata'
MARKER_USER_DATA = 'nimbus-guest: user-data ran rc='
MARKER_NO_USER_DATA = 'nimbus-guest: no user-data'
MARKER_READY = 'nimbus-guest: ready'
MARKER_POWERING_OFF = 'nimbus-guest: powering off'

# What the guest needs beyond the kernel: virtio NIC and disk, the ACPI
# power button and evdev (busybox acpid reads /dev/input/event*). Their
# dependencies come from modules.dep; built-in ones are skipped.
WANTED_MODULES = ('virtio_pci', 'virtio_net', 'virtio_blk', 'button',
                  'evdev')

INIT = r'''#!/bin/sh
# nimbus test guest, PID 1: announce, mount, load drivers, then busybox init.
# The empty line first: the firmware leaves escape codes on the last one.
echo
echo "nimbus-guest: booted"
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
while read -r ko; do
    insmod "/lib/modules/$ko" || echo "nimbus-guest: insmod $ko failed"
done </etc/nimbus/modules
exec /sbin/init
'''

INITTAB = '''\
::respawn:/sbin/acpid -f -l /run/acpid.log
::once:/etc/nimbus/boot
::respawn:/etc/nimbus/console-shell
::shutdown:/etc/nimbus/shutdown
'''

BOOT = r'''#!/bin/sh
# Run once by init: network, metadata, user-data; then "ready".
say() { echo "nimbus-guest: $*" >/dev/console; }
MD=http://169.254.169.254/latest
fetch() {  # path file: one HTTP GET, bounded in time
    timeout 5 wget -q -O "$2" "$MD/$1" 2>/dev/null && return 0
    rm -f "$2"
    return 1
}

ip link set lo up
addr=
if ip link show eth0 >/dev/null 2>&1; then
    # 7 discovers 2 s apart; then udhcpc keeps trying in the background.
    udhcpc -i eth0 -s /etc/nimbus/udhcpc -t 7 -T 2 -A 10 -b \
        -p /run/udhcpc.pid
    addr=$(ip -4 -o addr show dev eth0 | awk '{print $4; exit}')
fi
if [ -n "$addr" ]; then say "ip $addr dev eth0"; else say "no dhcp lease"; fi

mkdir -p /run/meta
got=
if [ -n "$addr" ]; then
    n=0
    while [ $n -lt 5 ]; do
        n=$((n + 1))
        if fetch meta-data/instance-id /run/meta/instance-id; then
            got=1
            break
        fi
        sleep 1
    done
fi
if [ -n "$got" ]; then
    id=$(cat /run/meta/instance-id)
    name=
    if fetch meta-data/hostname /run/meta/hostname; then
        name=$(cat /run/meta/hostname)
        hostname "${name%%.*}"
    fi
    if fetch meta-data/public-keys/0/openssh-key /run/meta/openssh-key; then
        cat /run/meta/openssh-key >>/root/.ssh/authorized_keys
        chmod 600 /root/.ssh/authorized_keys
    fi
    say "metadata instance-id=$id hostname=$name"
    if fetch user-data /run/user-data && [ -s /run/user-data ]; then
        if [ "$(head -c 2 /run/user-data)" = '#!' ]; then
            chmod 700 /run/user-data
            (cd /root && HOME=/root /run/user-data) >/dev/console 2>&1 \
                </dev/null
            say "user-data ran rc=$?"
        else
            say "user-data not run (no #!)"
        fi
    else
        say "no user-data"
    fi
else
    say "no metadata"
    say "no user-data"
fi
touch /run/nimbus-ready
say "ready"
'''

UDHCPC_SCRIPT = r'''#!/bin/sh
# udhcpc's event script: $1 is deconfig, bound, renew, leasefail or nak.
[ -n "$interface" ] || exit 1
case "$1" in
deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
bound|renew)
    prefix=${mask:-24}
    if ! ip -4 addr show dev "$interface" | grep -q "inet $ip/$prefix "; then
        ip -4 addr flush dev "$interface"
        ip -4 addr add "$ip/$prefix" ${broadcast:+broadcast "$broadcast"} \
            dev "$interface"
    fi
    if [ -n "$router" ]; then
        ip route del default 2>/dev/null
        for r in $router; do
            ip route add default via "$r" dev "$interface" && break
        done
    fi
    : >/etc/resolv.conf
    [ -n "$domain" ] && echo "search $domain" >>/etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
    ;;
esac
exit 0
'''

CONSOLE_SHELL = r'''#!/bin/sh
# A root shell on the console once boot is done (keeps markers unmixed).
while [ ! -e /run/nimbus-ready ]; do sleep 1; done
exec /bin/cttyhack /bin/sh -l
'''

POWER_BUTTON = r'''#!/bin/sh
# acpid runs this on the ACPI power button (PWRF): a clean power-off.
printf '\r\nnimbus-guest: powering off\r\n' >/dev/console
exec /sbin/poweroff
'''

SHUTDOWN = r'''#!/bin/sh
# init runs this before it kills everything and powers off.
[ -f /run/udhcpc.pid ] && kill "$(cat /run/udhcpc.pid)" 2>/dev/null
sync
'''

# busybox acpid: the event line of the power button contains "PWRF";
# the action is a file in /etc/acpi (its -c directory).
ACPID_CONF = 'PWRF power\n'

SYSLINUX_CFG = '''\
SERIAL 0 115200
DEFAULT nimbus
PROMPT 0
TIMEOUT 0
LABEL nimbus
  KERNEL vmlinuz
  INITRD initrd.img
  APPEND %s
''' % CMDLINE

PROFILE = 'export PATH=/sbin:/bin:/usr/sbin:/usr/bin\nexport HOME=/root\n'


class BuildError(Exception):
    """The image cannot be built on this machine (a missing input or tool)."""


# --- inputs -----------------------------------------------------------------

def _version_key(version):
    return [int(p) if p.isdigit() else p for p in re.split(r'(\d+)', version)]


def find_kernel(kernel_version=None, boot_dir='/boot',
                modules_root='/lib/modules'):
    """(version, vmlinuz path, modules dir) of the kernel to put in the image.

    The newest /boot/vmlinuz-* that has its modules installed, unless a
    version is named.
    """
    if kernel_version:
        versions = [kernel_version]
    else:
        names = os.listdir(boot_dir) if os.path.isdir(boot_dir) else []
        versions = sorted((n[len('vmlinuz-'):] for n in names
                           if n.startswith('vmlinuz-')),
                          key=_version_key, reverse=True)
    for version in versions:
        vmlinuz = os.path.join(boot_dir, 'vmlinuz-' + version)
        moddir = os.path.join(modules_root, version)
        if os.path.isfile(vmlinuz) and os.path.isfile(
                os.path.join(moddir, 'modules.dep')):
            return version, vmlinuz, moddir
    raise BuildError(
        'no kernel with modules found (%s/vmlinuz-%s and %s/<version>/'
        'modules.dep); install linux-image-amd64'
        % (boot_dir, kernel_version or '*', modules_root))


def _module_name(path):
    base = os.path.basename(path)
    return base.split('.ko')[0].replace('-', '_')


def read_modules_dep(moddir):
    """{name: (relative path, [dependency names])} from modules.dep."""
    table = {}
    with open(os.path.join(moddir, 'modules.dep')) as dep:
        for line in dep:
            if ':' not in line:
                continue
            path, _, deps = line.partition(':')
            table[_module_name(path)] = (
                path.strip(), [_module_name(d) for d in deps.split()])
    return table


def read_builtin(moddir):
    path = os.path.join(moddir, 'modules.builtin')
    if not os.path.exists(path):
        return set()
    with open(path) as builtin:
        return {_module_name(line.strip()) for line in builtin if line.strip()}


def module_load_order(moddir, wanted=WANTED_MODULES):
    """[(name, relative path)] to insmod in this order: dependencies first.

    modules.dep lists a module's dependencies so that the last one is
    loaded first (that is how modprobe reads it), so they are visited in
    reverse. Modules built into the kernel are left out.
    """
    table = read_modules_dep(moddir)
    builtin = read_builtin(moddir)
    order, seen = [], set()

    def visit(name, chain):
        if name in seen:
            return
        if name in chain:
            raise BuildError('module dependency loop: %s'
                             % ' -> '.join(chain + (name,)))
        path, deps = table[name]
        for dep in reversed(deps):
            visit(dep, chain + (name,))
        seen.add(name)
        order.append((name, path))

    for name in wanted:
        if name in table:
            visit(name, ())
        elif name not in builtin:
            raise BuildError('module %s is neither in %s/modules.dep nor '
                             'built in' % (name, moddir))
    return order


def read_module(path):
    """A module's bytes, decompressed (.ko.xz, .ko.gz, .ko.zst)."""
    with open(path, 'rb') as f:
        data = f.read()
    if path.endswith('.xz'):
        return lzma.decompress(data)
    if path.endswith('.gz'):
        return gzip.decompress(data)
    if path.endswith('.zst'):
        # No zstd in the 3.11 standard library: the zstd tool, if present.
        if not shutil.which('zstd'):
            raise BuildError('%s is zstd-compressed; install zstd' % path)
        return subprocess.run(['zstd', '-dc', path], check=True,
                              stdout=subprocess.PIPE).stdout
    return data


def find_busybox(path='/bin/busybox'):
    """The static busybox to put in the image (from busybox-static)."""
    if not os.path.isfile(path):
        raise BuildError('%s not found; install busybox-static' % path)
    with open(path, 'rb') as f:
        elf = f.read()
    if not _elf_is_static(elf):
        raise BuildError('%s is dynamically linked; install busybox-static'
                         % path)
    applets = subprocess.run([path, '--list-full'], check=True,
                             stdout=subprocess.PIPE,
                             text=True).stdout.split()
    for needed in ('sbin/init', 'sbin/udhcpc', 'sbin/acpid', 'usr/bin/wget',
                   'bin/cttyhack', 'sbin/insmod', 'usr/bin/timeout'):
        if needed not in applets:
            raise BuildError('%s has no %s applet' % (path, needed))
    return path, elf, sorted(applets)


def _elf_is_static(elf):
    """True if a 64-bit little-endian ELF has no PT_INTERP segment."""
    if elf[:4] != b'\x7fELF' or elf[4] != 2 or elf[5] != 1:
        return False
    phoff = int.from_bytes(elf[32:40], 'little')
    phentsize = int.from_bytes(elf[54:56], 'little')
    phnum = int.from_bytes(elf[56:58], 'little')
    for i in range(phnum):
        off = phoff + i * phentsize
        if int.from_bytes(elf[off:off + 4], 'little') == 3:  # PT_INTERP
            return False
    return True


def _tool(name, package):
    path = shutil.which(name)
    if not path:
        raise BuildError('%s not found; install %s' % (name, package))
    return path


class Inputs:
    """Everything a build reads from the machine, and its hash."""

    def __init__(self, kernel_version=None):
        self.kernel_version, self.vmlinuz, self.moddir = find_kernel(
            kernel_version)
        self.modules = module_load_order(self.moddir)
        self.busybox, self.busybox_elf, self.applets = find_busybox()
        self.syslinux = _tool('syslinux', 'syslinux')
        self.mformat = _tool('mformat', 'mtools')
        self.mcopy = _tool('mcopy', 'mtools')
        self.qemu_img = _tool('qemu-img', 'qemu-utils')

    def digest(self):
        h = hashlib.sha256()

        def add(label, data):
            h.update(b'%s %d\n' % (label.encode(), len(data)))
            h.update(data)

        with open(os.path.abspath(__file__), 'rb') as me:
            add('builder', me.read())
        add('cmdline', CMDLINE.encode())
        for label, path in (('vmlinuz', self.vmlinuz),
                            ('syslinux', self.syslinux)):
            with open(path, 'rb') as f:
                add(label, f.read())
        add('busybox', self.busybox_elf)
        for name, relpath in self.modules:
            add('module ' + name,
                read_module(os.path.join(self.moddir, relpath)))
        return h.hexdigest()


# --- the initramfs ---------------------------------------------------------

class Cpio:
    """A newc ("070701") cpio archive, written in memory, reproducibly.

    Written here rather than by cpio(1) so that device nodes (dev/console,
    which the kernel opens for /init) need no root and no mknod.
    """

    def __init__(self):
        self._out = io.BytesIO()
        self._ino = 0
        self.names = []

    def _entry(self, name, mode, data=b'', rdev=(0, 0)):
        self._ino += 1
        raw = name.encode() + b'\0'
        fields = (self._ino, mode, 0, 0, 1, 0, len(data), 0, 0,
                  rdev[0], rdev[1], len(raw), 0)
        self._out.write(b'070701' + b''.join(b'%08X' % f for f in fields))
        self._out.write(raw)
        self._pad()
        self._out.write(data)
        self._pad()
        if name != 'TRAILER!!!':
            self.names.append(name)

    def _pad(self):
        self._out.write(b'\0' * (-self._out.tell() % 4))

    def directory(self, name, mode=0o755):
        self._entry(name, stat.S_IFDIR | mode)

    def file(self, name, data, mode=0o644):
        if isinstance(data, str):
            data = data.encode()
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, major, minor, mode=0o600):
        self._entry(name, stat.S_IFCHR | mode, rdev=(major, minor))

    def getvalue(self):
        self._entry('TRAILER!!!', 0)
        self._pad()
        return self._out.getvalue()


def build_initramfs(inputs):
    """The gzip'd initramfs (bytes) and the module load order written in it."""
    archive = Cpio()
    for d in ('bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'dev', 'proc',
              'sys', 'run', 'tmp', 'etc', 'etc/acpi', 'etc/nimbus',
              'lib', 'lib/modules', 'var', 'root'):
        archive.directory(d, 0o1777 if d == 'tmp' else 0o755)
    archive.directory('root/.ssh', 0o700)
    archive.symlink('var/run', '../run')
    archive.chardev('dev/console', 5, 1)
    archive.file('bin/busybox', inputs.busybox_elf, 0o755)
    for applet in inputs.applets:
        if applet != 'bin/busybox':
            depth = applet.count('/')
            archive.symlink(applet, '../' * depth + 'bin/busybox')
    archive.file('init', INIT, 0o755)
    archive.file('etc/inittab', INITTAB)
    archive.file('etc/nimbus/boot', BOOT, 0o755)
    archive.file('etc/nimbus/udhcpc', UDHCPC_SCRIPT, 0o755)
    archive.file('etc/nimbus/console-shell', CONSOLE_SHELL, 0o755)
    archive.file('etc/nimbus/shutdown', SHUTDOWN, 0o755)
    archive.file('etc/acpid.conf', ACPID_CONF)
    archive.file('etc/acpi/power', POWER_BUTTON, 0o755)
    archive.file('etc/profile', PROFILE)
    archive.file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n')
    archive.file('etc/group', 'root:x:0:\n')
    archive.file('etc/hostname', 'nimbus-guest\n')
    archive.file('etc/resolv.conf', '')
    loaded = []
    made = set()
    for name, source in inputs.modules:
        # Stored uncompressed: busybox insmod need not know any compression.
        relpath = re.sub(r'\.ko\.(xz|gz|zst)$', '.ko', source)
        parts = relpath.split('/')
        for i in range(1, len(parts)):
            d = 'lib/modules/' + '/'.join(parts[:i])
            if d not in made:
                made.add(d)
                archive.directory(d)
        archive.file('lib/modules/' + relpath, read_module(
            os.path.join(inputs.moddir, source)))
        loaded.append((name, relpath))
    archive.file('etc/nimbus/modules',
                 ''.join(path + '\n' for _, path in loaded))
    return gzip.compress(archive.getvalue(), compresslevel=9, mtime=0), \
        loaded


# --- the disk ----------------------------------------------------------------

def build_disk(inputs, workdir, vmlinuz, initrd, qcow2):
    """A FAT superfloppy with syslinux, converted to qcow2; nothing mounted.

    syslinux's FAT boot sector sits in sector 0, which SeaBIOS loads as
    the disk's boot sector; mtools writes the files into the image.
    """
    raw = os.path.join(workdir, 'disk.raw')
    with open(raw, 'wb') as f:
        f.truncate(DISK_MB * 1024 * 1024)
    env = dict(os.environ, MTOOLS_SKIP_CHECK='1', MTOOLS_NO_VFAT='0')
    cfg = os.path.join(workdir, 'syslinux.cfg')
    with open(cfg, 'w') as f:
        f.write(SYSLINUX_CFG)

    def run(*cmd):
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        if proc.returncode:
            raise BuildError('%s failed (%d): %s' % (
                ' '.join(cmd), proc.returncode, proc.stdout.strip()))

    # 32 MB as 64 heads x 32 sectors x 32 cylinders; volume id fixed.
    run(inputs.mformat, '-i', raw, '-h', '64', '-s', '32',
        '-t', str(DISK_MB), '-N', '4e696d62', '-v', 'NIMBUS', '::')
    run(inputs.mcopy, '-i', raw, vmlinuz, '::vmlinuz')
    run(inputs.mcopy, '-i', raw, initrd, '::initrd.img')
    run(inputs.mcopy, '-i', raw, cfg, '::syslinux.cfg')
    run(inputs.syslinux, '--install', raw)
    run(inputs.qemu_img, 'convert', '-q', '-f', 'raw', '-O', 'qcow2',
        '-o', 'compat=1.1', raw, qcow2)
    os.unlink(raw)


# --- build and cache ---------------------------------------------------------

def _sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def _package_of(path):
    """(package, version) that installed path, per dpkg; None if unknown."""
    try:
        owner = subprocess.run(['dpkg-query', '-S', path],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
        if owner.returncode:
            return None
        package = owner.stdout.split(':')[0].strip()
        version = subprocess.run(
            ['dpkg-query', '-W', '-f', '${Version}', package],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True).stdout.strip()
        return package, version
    except OSError:
        return None


def _source_packages(inputs):
    packages = {}
    for path in (inputs.vmlinuz, inputs.busybox, inputs.syslinux,
                 inputs.mformat, inputs.qemu_img):
        found = _package_of(os.path.realpath(path)) or _package_of(path)
        if found:
            packages[found[0]] = found[1]
    meta = _package_of('/usr/share/doc/linux-image-amd64')
    if meta:
        packages[meta[0]] = meta[1]
    return dict(sorted(packages.items()))


def _build_into(inputs, digest, outdir):
    started = time.monotonic()
    vmlinuz = os.path.join(outdir, 'vmlinuz')
    initrd = os.path.join(outdir, 'initrd.img')
    shutil.copyfile(inputs.vmlinuz, vmlinuz)
    data, loaded = build_initramfs(inputs)
    with open(initrd, 'wb') as f:
        f.write(data)
    with tempfile.TemporaryDirectory(dir=outdir) as work:
        build_disk(inputs, work, vmlinuz, initrd,
                   os.path.join(outdir, 'disk.qcow2'))
    files = {}
    for name in FILES:
        path = os.path.join(outdir, name)
        files[name] = {'size': os.path.getsize(path), 'sha256': _sha256(path)}
    files['disk.qcow2'].update(format='qcow2',
                               virtual_size=DISK_MB * 1024 * 1024)
    manifest = {
        'format': 1,
        'input_hash': digest,
        'kernel_version': inputs.kernel_version,
        'cmdline': CMDLINE,
        'modules': [name for name, _ in loaded],
        'module_paths': [path for _, path in loaded],
        'files': files,
        'source_packages': _source_packages(inputs),
        'build_seconds': round(time.monotonic() - started, 2),
    }
    with open(os.path.join(outdir, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write('\n')
    return manifest


def read_manifest(image_dir):
    with open(os.path.join(image_dir, 'manifest.json')) as f:
        return json.load(f)


def verify(image_dir):
    """The manifest if every file matches it; None otherwise."""
    try:
        manifest = read_manifest(image_dir)
        for name in FILES:
            want = manifest['files'][name]
            path = os.path.join(image_dir, name)
            if (os.path.getsize(path) != want['size']
                    or _sha256(path) != want['sha256']):
                return None
        return manifest
    except (OSError, ValueError, KeyError, TypeError):
        return None


class GuestImage:
    """A built image: its directory, manifest and whether the cache had it."""

    def __init__(self, path, manifest, cache_hit):
        self.path = path
        self.manifest = manifest
        self.cache_hit = cache_hit

    def file(self, name):
        return os.path.join(self.path, name)

    @property
    def kernel(self):
        return self.file('vmlinuz')

    @property
    def initrd(self):
        return self.file('initrd.img')

    @property
    def disk(self):
        return self.file('disk.qcow2')

    @property
    def cmdline(self):
        return self.manifest['cmdline']


def build_image(output_dir=None, cache_dir=DEFAULT_CACHE_DIR,
                kernel_version=None, rebuild=False):
    """Build (or find in the cache) the guest image; a GuestImage.

    The image is built into ``cache_dir/<input hash>`` unless an entry that
    matches its manifest is there already. With ``output_dir`` the files
    are copied there and the GuestImage points at the copies, so callers
    may change them (boot the qcow2 read-write) without touching the cache.
    Concurrent callers wait for one another on a lock in ``cache_dir``.
    """
    inputs = Inputs(kernel_version)
    digest = inputs.digest()
    os.makedirs(cache_dir, exist_ok=True)
    entry = os.path.join(cache_dir, digest[:20])
    with open(os.path.join(cache_dir, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = None if rebuild else verify(entry)
        hit = manifest is not None
        if not hit:
            staging = tempfile.mkdtemp(prefix='.build-', dir=cache_dir)
            try:
                manifest = _build_into(inputs, digest, staging)
                os.chmod(staging, 0o755)
                if os.path.exists(entry):
                    shutil.rmtree(entry)
                os.rename(staging, entry)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    if output_dir is None:
        return GuestImage(entry, manifest, hit)
    os.makedirs(output_dir, exist_ok=True)
    for name in FILES + ('manifest.json',):
        shutil.copyfile(os.path.join(entry, name),
                        os.path.join(output_dir, name))
    return GuestImage(os.path.abspath(output_dir), manifest, hit)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='build-guest-image',
        description='Build the nimbus test guest image (vmlinuz, '
                    'initrd.img, disk.qcow2, manifest.json) from the '
                    "machine's Debian kernel and busybox.")
    parser.add_argument('--output', '-o', metavar='DIR',
                        help='copy the image files into DIR')
    parser.add_argument('--cache-dir', default=DEFAULT_CACHE_DIR,
                        help='where builds are kept (default %(default)s)')
    parser.add_argument('--kernel-version',
                        help='kernel to use (default: newest in /boot)')
    parser.add_argument('--rebuild', action='store_true',
                        help='build even if the cache has this image')
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        image = build_image(args.output, args.cache_dir,
                            args.kernel_version, args.rebuild)
    except BuildError as e:
        print('build-guest-image: %s' % e, file=sys.stderr)
        return 1
    m = image.manifest
    print('%s %s (kernel %s, %s) in %.1f s' % (
        'cached' if image.cache_hit else 'built', image.path,
        m['kernel_version'], ', '.join(
            '%s %.1f MB' % (n, m['files'][n]['size'] / 1e6) for n in FILES),
        time.monotonic() - started))
    return 0


if __name__ == '__main__':
    sys.exit(main())
