"""The filesystem store: one file per image under
``[image_file_store] filesystem_store_datadir``.

Data is written to a temporary file beside the final one and renamed into
place only when complete, so a reader never sees half an image and a
failed upload leaves nothing behind.  While writing, the store computes
what the image record needs: size, md5 (``checksum``), sha512
(``os_hash_value``) and, for qcow2, the virtual size from its header.
"""

import hashlib
import os
import struct
import urllib.parse

from oslo_log import log as logging

from nimbus.conf import CONF
from nimbus import exception

LOG = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
HASH_ALGO = 'sha512'
SCHEME = 'file://'

_QCOW2_MAGIC = b'QFI\xfb'
_QCOW2_HEADER = 32  # magic, version, backing file offset/size, bits, size


class StoredData:
    """What ``add`` wrote: location URL, size and digests."""

    def __init__(self, location, size, checksum, hash_value, virtual_size):
        self.location = location
        self.size = size
        self.checksum = checksum
        self.os_hash_algo = HASH_ALGO
        self.os_hash_value = hash_value
        self.virtual_size = virtual_size


def qcow2_virtual_size(header):
    """The virtual disk size a qcow2 header declares, or None."""
    if len(header) < _QCOW2_HEADER or header[:4] != _QCOW2_MAGIC:
        return None
    return struct.unpack('>Q', header[24:32])[0]


class FilesystemStore:
    def __init__(self, datadir=None):
        self.datadir = (datadir or
                        CONF.image_file_store.filesystem_store_datadir)

    def path_for(self, image_id):
        return os.path.join(self.datadir, image_id)

    def add(self, image_id, chunks, disk_format=None, size_cap=None):
        """Write the chunks (an iterable of bytes) as the image's data.

        Raises ImageSizeLimitExceeded past ``size_cap`` bytes; whatever
        goes wrong, no partial file stays behind.
        """
        os.makedirs(self.datadir, mode=0o750, exist_ok=True)
        path = self.path_for(image_id)
        partial = '%s.%s.partial' % (path, os.getpid())
        md5 = hashlib.md5(usedforsecurity=False)
        sha = hashlib.new(HASH_ALGO)
        size = 0
        header = b''
        try:
            with open(partial, 'wb') as out:
                for chunk in chunks:
                    if not chunk:
                        continue
                    size += len(chunk)
                    if size_cap is not None and size > size_cap:
                        raise exception.ImageSizeLimitExceeded(
                            limit=size_cap)
                    if len(header) < _QCOW2_HEADER:
                        header += chunk[:_QCOW2_HEADER - len(header)]
                    md5.update(chunk)
                    sha.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)
        except BaseException:
            _remove(partial)
            raise
        if disk_format == 'qcow2':
            virtual_size = qcow2_virtual_size(header)
        elif disk_format in ('raw', 'iso'):
            virtual_size = size
        else:
            virtual_size = None
        return StoredData(SCHEME + urllib.parse.quote(path), size,
                          md5.hexdigest(), sha.hexdigest(), virtual_size)

    def get(self, location, chunk_size=CHUNK_SIZE):
        """An iterator over the data at ``location``; the file is opened
        now, so a missing file is reported (ImageDownloadFailed) before a
        response starts."""
        path = self._path_of(location)
        try:
            handle = open(path, 'rb')
        except OSError as exc:
            raise exception.ImageDownloadFailed(
                image_id=os.path.basename(path), reason=exc.strerror)
        return _FileIterator(handle, chunk_size)

    def delete(self, location):
        """Remove the data at ``location``; a missing file is no error."""
        if location:
            _remove(self._path_of(location))

    def _path_of(self, location):
        if not location.startswith(SCHEME):
            raise ValueError('not a filesystem store location: %r'
                             % location)
        return urllib.parse.unquote(location[len(SCHEME):])


class _FileIterator:
    """Chunks of an open file; closes it when done or when the server
    closes the response early."""

    def __init__(self, handle, chunk_size):
        self.handle = handle
        self.chunk_size = chunk_size

    def __iter__(self):
        return self

    def __next__(self):
        chunk = self.handle.read(self.chunk_size)
        if not chunk:
            self.close()
            raise StopIteration
        return chunk

    def close(self):
        self.handle.close()


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:
        LOG.warning('Could not remove %s', path, exc_info=True)
