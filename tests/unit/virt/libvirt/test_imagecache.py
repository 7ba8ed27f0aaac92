"""The image cache and instance files, on temp dirs with the real
qemu-img (no libvirtd)."""

import os
import subprocess
import threading
import time

import pytest

from nimbus import exception
from nimbus.virt.libvirt import imagebackend
from nimbus.virt.libvirt import imagecache
from nimbus.virt.libvirt import qemu_img

MiB = 1024 * 1024


def qcow2(path, size='16M', backing=None):
    args = ['qemu-img', 'create', '-q', '-f', 'qcow2']
    if backing:
        args += ['-b', backing, '-F', 'raw']
    subprocess.run(args + [str(path), size], check=True)
    return str(path)


class FakeImageAPI:
    """download() copies a local file, counting calls."""

    def __init__(self, sources, delay=0):
        self.sources = sources
        self.downloads = []
        self.delay = delay

    def download(self, context, image_id, dst_path=None):
        self.downloads.append(image_id)
        time.sleep(self.delay)
        with open(self.sources[image_id], 'rb') as src, \
                open(dst_path, 'wb') as dst:
            dst.write(src.read())
        return dst_path


@pytest.fixture
def images(tmp_path):
    src = tmp_path / 'src'
    src.mkdir()
    garbage = src / 'garbage'
    garbage.write_bytes(os.urandom(256 * 1024))
    raw = src / 'raw'
    raw.write_bytes(b'\x01' * MiB)
    backing = src / 'evil'
    qcow2(backing, backing=str(raw))
    return {'qcow': qcow2(src / 'qcow'), 'garbage': str(garbage),
            'raw': str(raw), 'kernel': str(raw), 'evil': str(backing)}


def _cache(tmp_path, images, force_raw=True, delay=0):
    api = FakeImageAPI(images, delay=delay)
    return imagecache.ImageCache(str(tmp_path / 'instances'), api,
                                 force_raw=force_raw), api


def test_fetch_once_and_convert_to_raw(tmp_path, images):
    cache, api = _cache(tmp_path, images)
    meta = {'id': 'qcow', 'disk_format': 'qcow2'}
    path, fmt = cache.fetch_disk(None, meta)
    assert fmt == 'raw'
    assert path == os.path.join(str(tmp_path), 'instances', '_base',
                                imagecache.base_name('qcow'))
    assert qemu_img.info(path)['format'] == 'raw'
    assert qemu_img.info(path)['virtual-size'] == 16 * MiB
    assert cache.fetch_disk(None, meta) == (path, 'raw')
    assert api.downloads == ['qcow']
    assert sorted(os.listdir(cache.base_dir)) == sorted(
        [os.path.basename(path), os.path.basename(path) + '.lock'])


def test_fetch_keeps_qcow2_without_force_raw(tmp_path, images):
    cache, _ = _cache(tmp_path, images, force_raw=False)
    path, fmt = cache.fetch_disk(None, {'id': 'qcow', 'disk_format': 'qcow2'})
    assert fmt == 'qcow2'
    assert qemu_img.info(path)['format'] == 'qcow2'


def test_concurrent_fetches_download_once(tmp_path, images):
    cache, api = _cache(tmp_path, images, delay=0.3)
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        cache.fetch_disk(None, {'id': 'qcow', 'disk_format': 'qcow2'})))
        for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert api.downloads == ['qcow']
    assert len(set(results)) == 1 and len(results) == 4


@pytest.mark.parametrize('image_id', ['garbage', 'evil'])
def test_bad_qcow2_is_refused_and_leaves_nothing(tmp_path, images, image_id):
    cache, _ = _cache(tmp_path, images)
    with pytest.raises(exception.ImageUnacceptable) as err:
        cache.fetch_disk(None, {'id': image_id, 'disk_format': 'qcow2'})
    assert 'Image %s is unacceptable' % image_id in str(err.value)
    left = [n for n in os.listdir(cache.base_dir)
            if not n.endswith('.lock')]
    assert left == []


def test_raw_image_and_kernel_file(tmp_path, images):
    cache, api = _cache(tmp_path, images)
    path, fmt = cache.fetch_disk(None, {'id': 'raw', 'disk_format': 'ami'})
    assert fmt == 'raw'
    kernel = cache.fetch_file(None, 'kernel')
    with open(kernel, 'rb') as f:
        assert f.read() == b'\x01' * MiB
    cache.fetch_file(None, 'kernel')
    assert api.downloads == ['raw', 'kernel']


def test_remove_unused_keeps_bases_in_use_and_young_ones(tmp_path, images):
    cache, _ = _cache(tmp_path, images)
    used, _ = cache.fetch_disk(None, {'id': 'qcow', 'disk_format': 'qcow2'})
    young, _ = cache.fetch_disk(None, {'id': 'raw', 'disk_format': 'raw'})
    old = cache.fetch_file(None, 'kernel')
    past = time.time() - 1000
    for path in (used, old):
        os.utime(path, (past, past))
    assert cache.remove_unused([used], max_age=500) == [old]
    assert os.path.exists(used) and os.path.exists(young)
    assert not os.path.exists(old)
    # Nothing is removed while someone holds the base's lock (a fetch).
    os.utime(young, (past, past))
    with imagecache.file_lock(young + '.lock'):
        assert cache.remove_unused([used], max_age=500) == []
    assert cache.remove_unused([used], max_age=500) == [young]
    assert os.path.exists(used)


def test_overlay_on_base_grows_to_flavor_and_is_in_use(tmp_path, images):
    cache, _ = _cache(tmp_path, images)
    base, fmt = cache.fetch_disk(None, {'id': 'qcow', 'disk_format': 'qcow2'})
    files = imagebackend.InstanceFiles(str(tmp_path / 'instances'), 'u1')
    files.ensure_dir()
    path, driver_type = files.create_disk('disk', base, fmt,
                                          size_bytes=64 * MiB)
    assert driver_type == 'qcow2'
    info = qemu_img.info(path)
    assert info['format'] == 'qcow2'
    assert info['virtual-size'] == 64 * MiB
    assert files.backing_files() == [base]
    # Size 0 (flavor without a root size): the image's size.
    path, _ = files.create_disk('disk', base, fmt)
    assert qemu_img.info(path)['virtual-size'] == 16 * MiB
    files.grow_disk(32 * MiB)
    assert files.virtual_size() == 32 * MiB
    files.grow_disk(8 * MiB)  # never shrinks
    assert files.virtual_size() == 32 * MiB


def test_raw_copy_images_type(tmp_path, images):
    cache, _ = _cache(tmp_path, images)
    base, fmt = cache.fetch_disk(None, {'id': 'qcow', 'disk_format': 'qcow2'})
    files = imagebackend.InstanceFiles(str(tmp_path / 'instances'), 'u2')
    files.ensure_dir()
    path, driver_type = files.create_disk('disk', base, fmt,
                                          size_bytes=32 * MiB,
                                          images_type='raw')
    assert driver_type == 'raw'
    assert qemu_img.info(path)['format'] == 'raw'
    assert os.path.getsize(path) == 32 * MiB
    assert files.backing_files() == []


def test_pre_resize_copy_and_restore(tmp_path, images):
    cache, _ = _cache(tmp_path, images)
    base, fmt = cache.fetch_disk(None, {'id': 'qcow', 'disk_format': 'qcow2'})
    files = imagebackend.InstanceFiles(str(tmp_path / 'instances'), 'u3')
    files.ensure_dir()
    files.create_disk('disk', base, fmt)
    files.keep_pre_resize()
    files.grow_disk(48 * MiB)
    assert files.virtual_size() == 48 * MiB
    files.restore_pre_resize()
    assert files.virtual_size() == 16 * MiB
    assert not os.path.exists(files.path('disk.pre-resize'))


def test_console_tail_is_bounded(tmp_path):
    files = imagebackend.InstanceFiles(str(tmp_path), 'u4')
    files.ensure_dir()
    files.write('console.log', 'x' * 10000 + 'nimbus-guest: booted\n')
    tail = files.read_tail('console.log', 100)
    assert len(tail) == 100 and tail.endswith('booted\n')
    assert files.read_tail('missing.log', 100) == ''
    files.remove_all()
    assert not files.exists()
