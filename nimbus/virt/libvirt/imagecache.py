"""The image cache under ``<instances_path>/_base``.

Each image is fetched from the image service once per host into a base
file named after the sha1 of its id; instances are overlays on it (or
copies of it). Fetches of the same image are serialised by a file lock
(``<base>.lock``), so two builds, even in two nimbus-compute processes
sharing ``instances_path``, never download the same image twice nor see a
half-written base. Base files are written beside their final name and
renamed when complete.

Disk images are checked before anyone uses them: a ``qcow2`` image must
be a valid qcow2 with no backing file (a backing file could name any
file on the host); with ``force_raw_images`` the base is converted to
raw. Kernel and ramdisk images are kept as they are.

``remove_unused`` deletes bases no instance uses and nobody touched for
``max_age`` seconds; fetching or using a base refreshes its mtime.
"""

import contextlib
import errno
import fcntl
import hashlib
import os
import time

from oslo_log import log as logging

from nimbus import exception
from nimbus.virt.libvirt import qemu_img

LOG = logging.getLogger(__name__)

BASE_DIR = '_base'
_SUFFIXES = ('.lock', '.part', '.converting')


def base_name(image_id):
    return hashlib.sha1(str(image_id).encode()).hexdigest()


@contextlib.contextmanager
def file_lock(path, blocking=True):
    """An exclusive flock on ``path`` (created if missing); yields False
    instead of waiting when not ``blocking`` and someone holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        flags = fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB)
        try:
            fcntl.flock(fd, flags)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                yield False
                return
            raise
        yield True
    finally:
        os.close(fd)


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _disk_format(image_meta):
    """qcow2 for qcow2 images; every other disk format (raw, ami) is
    read as raw bytes."""
    return 'qcow2' if image_meta.get('disk_format') == 'qcow2' else 'raw'


class ImageCache:
    def __init__(self, instances_path, image_api, force_raw=True):
        self.base_dir = os.path.join(instances_path, BASE_DIR)
        self.image_api = image_api
        self.force_raw = force_raw

    def base_path(self, image_id):
        return os.path.join(self.base_dir, base_name(image_id))

    def _ensure_dir(self):
        os.makedirs(self.base_dir, mode=0o755, exist_ok=True)

    # Fetch -----------------------------------------------------------------

    def fetch_disk(self, context, image_meta):
        """The base of a disk image: (path, format), fetched and checked
        if not cached yet."""
        image_id = image_meta['id']
        path = self.base_path(image_id)
        self._ensure_dir()
        with file_lock(path + '.lock'):
            if not os.path.exists(path):
                self._download(context, image_id, path + '.part')
                try:
                    self._check_and_store(image_meta, path + '.part', path)
                finally:
                    _remove(path + '.part')
                    _remove(path + '.converting')
            os.utime(path)
        return path, 'raw' if self.force_raw else _disk_format(image_meta)

    def fetch_file(self, context, image_id):
        """The base of a kernel or ramdisk image: its path."""
        path = self.base_path(image_id)
        self._ensure_dir()
        with file_lock(path + '.lock'):
            if not os.path.exists(path):
                try:
                    self._download(context, image_id, path + '.part')
                    os.replace(path + '.part', path)
                finally:
                    _remove(path + '.part')
            os.utime(path)
        return path

    def _download(self, context, image_id, dest):
        LOG.info('Fetching image %s into the image cache', image_id)
        began = time.monotonic()
        self.image_api.download(context, image_id, dst_path=dest)
        LOG.info('Fetched image %s in %.2fs', image_id,
                 time.monotonic() - began)

    def _check_and_store(self, image_meta, partial, path):
        image_id = image_meta['id']
        fmt = _disk_format(image_meta)
        try:
            info = qemu_img.info(partial, fmt=fmt)
        except qemu_img.QemuImgError as exc:
            raise exception.ImageUnacceptable(
                image_id=image_id,
                reason='its data is not a valid %s image (%s)' % (
                    fmt, exc.kwargs.get('reason', exc)))
        if info.get('backing-filename'):
            raise exception.ImageUnacceptable(
                image_id=image_id,
                reason='a %s image with a backing file is refused' % fmt)
        if fmt == 'qcow2':
            try:
                qemu_img.check(partial)
            except qemu_img.QemuImgError as exc:
                raise exception.ImageUnacceptable(
                    image_id=image_id,
                    reason='its qcow2 data is corrupt (%s)' %
                    exc.kwargs.get('reason', exc))
        if self.force_raw and fmt != 'raw':
            qemu_img.convert(partial, path + '.converting', 'raw',
                             source_fmt=fmt)
            os.replace(path + '.converting', path)
        else:
            os.replace(partial, path)

    # Cleanup -----------------------------------------------------------------

    def list_bases(self):
        try:
            names = os.listdir(self.base_dir)
        except FileNotFoundError:
            return []
        return [os.path.join(self.base_dir, name) for name in names
                if not name.endswith(_SUFFIXES)]

    def remove_unused(self, in_use, max_age):
        """Remove bases not in ``in_use`` (paths) and unused for
        ``max_age`` seconds; returns the removed paths."""
        in_use = {os.path.realpath(p) for p in in_use}
        removed = []
        now = time.time()
        for path in self.list_bases():
            if os.path.realpath(path) in in_use:
                continue
            with file_lock(path + '.lock', blocking=False) as locked:
                if not locked:  # being fetched or used right now
                    continue
                try:
                    age = now - os.stat(path).st_mtime
                except FileNotFoundError:
                    continue
                if age < max_age:
                    continue
                LOG.info('Removing unused base image %s (unused for %ds)',
                         path, age)
                _remove(path)
                removed.append(path)
        return removed
