"""The files of one instance under ``<instances_path>/<uuid>/``:

    disk            root disk: a qcow2 overlay on a base in _base, or a
                    raw copy of it ([libvirt] images_type)
    kernel, ramdisk direct-boot files of AKI/ARI images (copies: a base
                    may go while the instance lives)
    disk.rescue, kernel.rescue, ramdisk.rescue    while rescued
    disk.pre-resize the root disk as it was before a resize, until the
                    resize is confirmed or reverted
    console.log     the serial console, written by virtlogd
    libvirt.xml     the domain XML last defined, for operators

The directory and its files are readable by the QEMU user (libvirt's
DAC driver gives the disks to it, but the path must be traversable).
"""

import os
import shutil
import subprocess

from nimbus.virt.libvirt import qemu_img

GiB = 1024 ** 3


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class InstanceFiles:
    def __init__(self, instances_path, instance_uuid):
        self.dir = os.path.join(instances_path, instance_uuid)

    def path(self, name):
        return os.path.join(self.dir, name)

    @property
    def console_log(self):
        return self.path('console.log')

    def exists(self):
        return os.path.isdir(self.dir)

    def ensure_dir(self):
        os.makedirs(self.dir, mode=0o755, exist_ok=True)
        os.chmod(self.dir, 0o755)

    def remove_all(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def remove(self, *names):
        for name in names:
            _remove(self.path(name))

    # Disks -----------------------------------------------------------------

    def create_disk(self, name, base_path, base_fmt, size_bytes=0,
                    images_type='qcow2'):
        """A disk from a base: a qcow2 overlay, or a raw copy; grown to
        ``size_bytes`` when that is larger than the image.  Returns
        (path, driver type)."""
        path = self.path(name)
        _remove(path)
        if base_fmt == 'raw':
            # A raw file's size is its virtual size: no qemu-img to start.
            base_size = os.path.getsize(base_path)
        else:
            base_size = qemu_img.info(base_path,
                                      fmt=base_fmt)['virtual-size']
        size = max(size_bytes or 0, base_size)
        if images_type == 'raw':
            tmp = path + '.part'
            try:
                if base_fmt == 'raw':
                    subprocess.run(['cp', '--sparse=always', base_path, tmp],
                                   check=True, capture_output=True)
                else:
                    qemu_img.convert(base_path, tmp, 'raw',
                                     source_fmt=base_fmt)
                if size > base_size:
                    qemu_img.resize(tmp, size, fmt='raw')
                os.replace(tmp, path)
            finally:
                _remove(tmp)
            return path, 'raw'
        qemu_img.create_overlay(path, base_path, base_fmt, size)
        return path, 'qcow2'

    def copy_file(self, source, name):
        """A file of the instance's own with the contents of ``source``
        (a hard link when both are on one filesystem: the data stays
        while the instance needs it, even if the image cache removes
        ``source``)."""
        dest = self.path(name)
        _remove(dest + '.part')
        try:
            os.link(source, dest + '.part')
        except OSError:
            shutil.copyfile(source, dest + '.part')
        os.replace(dest + '.part', dest)
        os.chmod(dest, 0o644)
        return dest

    def disk_format(self, name='disk'):
        return qemu_img.info(self.path(name))['format']

    def virtual_size(self, name='disk'):
        return qemu_img.info(self.path(name))['virtual-size']

    def grow_disk(self, size_bytes, name='disk'):
        """Grow a disk to ``size_bytes``; never shrinks it."""
        info = qemu_img.info(self.path(name))
        if size_bytes > info['virtual-size']:
            qemu_img.resize(self.path(name), size_bytes, fmt=info['format'])

    def backing_files(self):
        """Base files the disks of this instance are overlays of."""
        found = []
        for name in ('disk', 'disk.rescue', 'disk.pre-resize'):
            path = self.path(name)
            if not os.path.exists(path):
                continue
            try:
                info = qemu_img.info(path)
            except qemu_img.QemuImgError:
                continue
            backing = info.get('full-backing-filename') or info.get(
                'backing-filename')
            if backing:
                found.append(backing)
        return found

    def keep_pre_resize(self):
        """Copy the root disk aside until a resize is confirmed."""
        tmp = self.path('disk.pre-resize.part')
        subprocess.run(['cp', '--sparse=always', self.path('disk'), tmp],
                       check=True, capture_output=True)
        os.replace(tmp, self.path('disk.pre-resize'))

    def restore_pre_resize(self):
        if os.path.exists(self.path('disk.pre-resize')):
            os.replace(self.path('disk.pre-resize'), self.path('disk'))

    def write(self, name, text):
        with open(self.path(name), 'w') as out:
            out.write(text)

    def read_tail(self, name, max_bytes):
        """The last ``max_bytes`` of a file, as text ('' if missing)."""
        try:
            with open(self.path(name), 'rb') as log:
                size = os.fstat(log.fileno()).st_size
                log.seek(max(size - max_bytes, 0))
                data = log.read(max_bytes)
        except FileNotFoundError:
            return ''
        return data.decode('utf-8', errors='replace')
