"""The filesystem store: atomic writes, digests, qcow2 virtual size."""

import hashlib
import struct

import pytest

from nimbus import exception
from nimbus.image import store


def _qcow2(size):
    return b'QFI\xfb' + struct.pack('>IQIIQ', 3, 0, 0, 16, size)


def test_qcow2_virtual_size():
    assert store.qcow2_virtual_size(_qcow2(42 * 2 ** 30)) == 42 * 2 ** 30
    assert store.qcow2_virtual_size(b'QFI\xfb' + b'\0' * 10) is None
    assert store.qcow2_virtual_size(b'\0' * 64) is None


def test_add_get_delete(tmp_path):
    fs = store.FilesystemStore(str(tmp_path / 'images'))
    chunks = [b'a' * 10, b'', b'b' * 5]
    data = fs.add('img-1', chunks, disk_format='raw')
    whole = b''.join(chunks)
    assert data.location == 'file://%s/images/img-1' % tmp_path
    assert (data.size, data.virtual_size) == (15, 15)
    assert data.checksum == hashlib.md5(whole).hexdigest()
    assert data.os_hash_algo == 'sha512'
    assert data.os_hash_value == hashlib.sha512(whole).hexdigest()
    assert b''.join(fs.get(data.location, chunk_size=4)) == whole
    fs.delete(data.location)
    assert not (tmp_path / 'images' / 'img-1').exists()
    fs.delete(data.location)  # already gone: no error
    with pytest.raises(exception.ImageDownloadFailed):
        fs.get(data.location)


def test_qcow2_header_split_across_chunks(tmp_path):
    fs = store.FilesystemStore(str(tmp_path))
    header = _qcow2(10 * 2 ** 30)
    data = fs.add('q', [header[:5], header[5:20], header[20:], b'x' * 100],
                  disk_format='qcow2')
    assert data.virtual_size == 10 * 2 ** 30
    assert fs.add('k', [b'kernel'], disk_format='aki').virtual_size is None


def test_size_cap_and_failures_leave_nothing(tmp_path):
    fs = store.FilesystemStore(str(tmp_path))
    with pytest.raises(exception.ImageSizeLimitExceeded):
        fs.add('big', [b'x' * 10, b'x' * 10], size_cap=15)

    def broken():
        yield b'partial'
        raise OSError('client went away')

    with pytest.raises(OSError):
        fs.add('broken', broken())
    assert list(tmp_path.iterdir()) == []


def test_locations_are_quoted(tmp_path):
    fs = store.FilesystemStore(str(tmp_path / 'with space'))
    data = fs.add('i', [b'z'])
    assert ' ' not in data.location
    assert b''.join(fs.get(data.location)) == b'z'


def test_only_file_locations(tmp_path):
    with pytest.raises(ValueError):
        store.FilesystemStore(str(tmp_path)).get('http://example/x')
