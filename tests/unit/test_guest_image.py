"""The guest image builder (tests/guest_image.py): files, manifest, cache,
initramfs contents, module order. No root and no QEMU; it needs the
Debian packages tools/setup.sh installs (kernel, busybox-static, cpio,
syslinux, mtools, qemu-utils), and fails, not skips, without them.
"""

import gzip
import hashlib
import json
import os
import subprocess
import sys

import pytest

from tests import guest_image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


@pytest.fixture(scope='module')
def cache_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp('guest-image-cache'))


@pytest.fixture(scope='module')
def built(cache_dir, tmp_path_factory):
    out = str(tmp_path_factory.mktemp('guest-image-out'))
    return guest_image.build_image(out, cache_dir=cache_dir)


def cpio(args, data):
    return subprocess.run(['cpio', '--quiet'] + args, input=data,
                          stdout=subprocess.PIPE, check=True).stdout


@pytest.fixture(scope='module')
def initramfs(built):
    with open(built.initrd, 'rb') as f:
        return gzip.decompress(f.read())


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_build_writes_the_files_the_manifest_describes(built):
    assert sorted(os.listdir(built.path)) == [
        'disk.qcow2', 'initrd.img', 'manifest.json', 'vmlinuz']
    with open(built.file('manifest.json')) as f:
        manifest = json.load(f)
    assert manifest == built.manifest
    for name in guest_image.FILES:
        entry = manifest['files'][name]
        assert entry['size'] == os.path.getsize(built.file(name)) > 0
        assert entry['sha256'] == sha256(built.file(name))
    version = manifest['kernel_version']
    assert sha256(built.kernel) == sha256('/boot/vmlinuz-' + version)
    assert manifest['cmdline'] == 'console=ttyS0 quiet'
    assert manifest['source_packages']['busybox-static']
    assert any(p.startswith('linux-image-')
               for p in manifest['source_packages'])
    assert len(manifest['input_hash']) == 64
    # Small: only the modules the guest needs are in the initramfs.
    assert manifest['files']['initrd.img']['size'] < 4 * 1024 * 1024


def test_disk_is_a_qcow2_with_syslinux_kernel_and_initramfs(built,
                                                            tmp_path):
    with open(built.disk, 'rb') as f:
        assert f.read(4) == b'QFI\xfb'
    raw = str(tmp_path / 'disk.raw')
    subprocess.run(['qemu-img', 'convert', '-f', 'qcow2', '-O', 'raw',
                    built.disk, raw], check=True)
    assert os.path.getsize(raw) == guest_image.DISK_MB * 1024 * 1024
    with open(raw, 'rb') as f:
        boot_sector = f.read(512)
    assert boot_sector[510:] == b'\x55\xaa'
    assert b'SYSLINUX' in boot_sector
    env = dict(os.environ, MTOOLS_SKIP_CHECK='1')
    # -a: ldlinux.sys is hidden and a system file.
    listing = subprocess.run(['mdir', '-a', '-b', '-i', raw, '::'], env=env,
                             stdout=subprocess.PIPE, check=True,
                             text=True).stdout.lower().split()
    for name in ('vmlinuz', 'initrd.img', 'syslinux.cfg', 'ldlinux.sys',
                 'ldlinux.c32'):
        assert '::/' + name in listing
    for name in ('vmlinuz', 'initrd.img'):
        copy = str(tmp_path / name)
        subprocess.run(['mcopy', '-i', raw, '::' + name, copy], env=env,
                       check=True)
        assert sha256(copy) == sha256(built.file(name))
    cfg = subprocess.run(['mtype', '-i', raw, '::syslinux.cfg'], env=env,
                         stdout=subprocess.PIPE, check=True,
                         text=True).stdout
    assert 'APPEND console=ttyS0 quiet' in cfg


def test_initramfs_holds_init_busybox_and_console(initramfs):
    listing = cpio(['-t'], initramfs).decode().split('\n')
    for name in ('init', 'bin/busybox', 'bin/sh', 'sbin/init', 'dev/console',
                 'etc/inittab', 'etc/nimbus/boot', 'etc/nimbus/udhcpc',
                 'etc/acpid.conf', 'etc/acpi/power', 'etc/nimbus/modules'):
        assert name in listing, name
    verbose = cpio(['-tv'], initramfs).decode()
    assert any(line.startswith('-rwxr-xr-x') and line.endswith(' init')
               for line in verbose.splitlines())
    assert any(line.startswith('crw-------') and 'dev/console' in line
               for line in verbose.splitlines())
    init = cpio(['-i', '--to-stdout', 'init'], initramfs).decode()
    assert init.startswith('#!/bin/sh\n')
    # booted is the first thing /init says.
    first_echo = [line for line in init.splitlines()
                  if line.startswith('echo ') and '"' in line][0]
    assert guest_image.MARKER_BOOTED in first_echo
    busybox = cpio(['-i', '--to-stdout', 'bin/busybox'], initramfs)
    assert guest_image._elf_is_static(busybox)


def test_initramfs_loads_modules_after_their_dependencies(built, initramfs):
    listing = set(cpio(['-t'], initramfs).decode().split('\n'))
    order = cpio(['-i', '--to-stdout', 'etc/nimbus/modules'],
                 initramfs).decode().split()
    assert order == built.manifest['module_paths']
    names = [guest_image._module_name(p) for p in order]
    assert names == built.manifest['modules']
    for path in order:
        assert path.endswith('.ko')
        assert 'lib/modules/' + path in listing
    # Only these .ko files: nothing the guest does not load.
    assert sorted(n for n in listing if n.endswith('.ko')) == sorted(
        'lib/modules/' + p for p in order)
    moddir = '/lib/modules/' + built.manifest['kernel_version']
    deps = guest_image.read_modules_dep(moddir)
    for i, name in enumerate(names):
        for dep in deps[name][1]:
            assert dep in names[:i], '%s loads before its dependency %s' % (
                name, dep)
    builtin = guest_image.read_builtin(moddir)
    for name in ('virtio_ring', 'virtio', 'virtio_pci', 'failover',
                 'net_failover', 'virtio_net', 'virtio_blk', 'button'):
        assert name in names or name in builtin, name
    for before, after in (('virtio_ring', 'virtio'),
                          ('virtio', 'virtio_pci'),
                          ('failover', 'net_failover'),
                          ('net_failover', 'virtio_net'),
                          ('virtio_pci', 'virtio_net')):
        if before in names and after in names:
            assert names.index(before) < names.index(after)


def test_cache_hit_does_not_rebuild(built, cache_dir):
    entry = os.path.join(cache_dir, built.manifest['input_hash'][:20])
    stamps = {n: os.stat(os.path.join(entry, n)).st_mtime_ns
              for n in guest_image.FILES}
    again = guest_image.build_image(cache_dir=cache_dir)
    assert again.cache_hit
    assert again.path == entry
    assert again.manifest == built.manifest
    assert stamps == {n: os.stat(os.path.join(entry, n)).st_mtime_ns
                      for n in guest_image.FILES}
    assert not built.cache_hit  # the first build was one


def test_damaged_cache_entry_is_rebuilt(built, cache_dir):
    image = guest_image.build_image(cache_dir=cache_dir)
    with open(image.initrd, 'r+b') as f:
        f.seek(100)
        f.write(b'\0' * 16)
    assert guest_image.verify(image.path) is None
    rebuilt = guest_image.build_image(cache_dir=cache_dir)
    assert not rebuilt.cache_hit
    assert guest_image.verify(rebuilt.path) == rebuilt.manifest
    assert rebuilt.manifest['files']['initrd.img'] == \
        built.manifest['files']['initrd.img']  # the build is reproducible


def test_output_copies_do_not_share_the_cache_files(built, cache_dir):
    entry = os.path.join(cache_dir, built.manifest['input_hash'][:20])
    assert built.path != entry
    for name in guest_image.FILES:
        assert not os.path.samefile(built.file(name),
                                    os.path.join(entry, name))


def test_command_line_tool(built, cache_dir, tmp_path):
    out = tmp_path / 'out'
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'tools', 'build-guest-image'),
         '--output', str(out), '--cache-dir', cache_dir],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.startswith('cached ')
    copied = guest_image.verify(str(out))
    assert copied['input_hash'] == built.manifest['input_hash']


def write_modules(tmp_path, dep, builtin=''):
    (tmp_path / 'modules.dep').write_text(dep)
    (tmp_path / 'modules.builtin').write_text(builtin)
    return str(tmp_path)


def test_load_order_puts_dependencies_first(tmp_path):
    moddir = write_modules(tmp_path, (
        'kernel/a/virtio_ring.ko.xz:\n'
        'kernel/a/virtio.ko.xz: kernel/a/virtio_ring.ko.xz\n'
        'kernel/a/virtio_pci.ko.xz: kernel/a/virtio_pci_legacy_dev.ko.xz '
        'kernel/a/virtio.ko.xz kernel/a/virtio_ring.ko.xz\n'
        'kernel/a/virtio_pci_legacy_dev.ko.xz:\n'
        'kernel/n/net_failover.ko.xz: kernel/c/failover.ko.xz\n'
        'kernel/c/failover.ko.xz:\n'
        'kernel/n/virtio_net.ko.xz: kernel/n/net_failover.ko.xz '
        'kernel/c/failover.ko.xz kernel/a/virtio.ko.xz '
        'kernel/a/virtio_ring.ko.xz\n'),
        builtin='kernel/drivers/acpi/button.ko\n')
    order = guest_image.module_load_order(
        moddir, ('virtio_pci', 'virtio_net', 'button'))
    assert [name for name, _ in order] == [
        'virtio_ring', 'virtio', 'virtio_pci_legacy_dev', 'virtio_pci',
        'failover', 'net_failover', 'virtio_net']
    assert order[0] == ('virtio_ring', 'kernel/a/virtio_ring.ko.xz')


def test_load_order_refuses_missing_modules_and_loops(tmp_path):
    moddir = write_modules(tmp_path, 'kernel/a.ko: kernel/b.ko\n'
                                     'kernel/b.ko: kernel/a.ko\n')
    with pytest.raises(guest_image.BuildError, match='neither'):
        guest_image.module_load_order(moddir, ('virtio_net',))
    with pytest.raises(guest_image.BuildError, match='loop'):
        guest_image.module_load_order(moddir, ('a',))


def test_compressed_modules_are_read_decompressed(tmp_path):
    import lzma
    (tmp_path / 'm.ko.xz').write_bytes(lzma.compress(b'\x7fELF module'))
    (tmp_path / 'm.ko.gz').write_bytes(gzip.compress(b'\x7fELF module'))
    assert guest_image.read_module(str(tmp_path / 'm.ko.xz')) == \
        b'\x7fELF module'
    assert guest_image.read_module(str(tmp_path / 'm.ko.gz')) == \
        b'\x7fELF module'


def test_dynamic_busybox_is_refused():
    with open(sys.executable, 'rb') as f:
        assert not guest_image._elf_is_static(f.read())
    with open('/bin/busybox', 'rb') as f:
        assert guest_image._elf_is_static(f.read())


def test_missing_kernel_is_a_clear_error(tmp_path):
    with pytest.raises(guest_image.BuildError, match='linux-image-amd64'):
        guest_image.find_kernel(boot_dir=str(tmp_path),
                                modules_root=str(tmp_path))
