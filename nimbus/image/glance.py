"""The image service's client, for the other services (compute API,
compute nodes, snapshots): HTTP to ``[glance] api_servers`` with the
caller's token.

Images come back as plain dicts in the shape Nova's image service used::

    {'id', 'name', 'status', 'disk_format', 'container_format', 'size',
     'virtual_size', 'min_disk', 'min_ram', 'owner', 'visibility',
     'protected', 'checksum', 'os_hash_algo', 'os_hash_value', 'tags',
     'created_at', 'updated_at',          # datetimes, naive UTC
     'properties': {extra properties: kernel_id, ramdisk_id, ...}}

Errors: ImageNotFound (404), ImageNotAuthorized (403), ImageBadRequest
(400), ImageConflict (409), ImageSizeLimitExceeded (413),
ImageServiceUnavailable (no server could be reached, or it failed),
ImageDownloadFailed (the data did not match its checksum).

A context without a token (a service's own admin context) is sent as
``admin:admin`` when ``[api] auth_strategy`` is noauth2; with Keystone
the caller must carry a token.
"""

import hashlib
import json
import os
import threading
import urllib.parse

from oslo_log import log as logging
from oslo_utils import timeutils
import requests

from nimbus.conf import CONF
from nimbus import exception

LOG = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'

# Attributes of an image; everything else in a Glance document is an
# extra property, except the links.
ATTRIBUTES = ('id', 'name', 'status', 'disk_format', 'container_format',
              'size', 'virtual_size', 'min_disk', 'min_ram', 'owner',
              'visibility', 'protected', 'checksum', 'os_hash_algo',
              'os_hash_value', 'tags', 'created_at', 'updated_at')
_LINKS = ('self', 'file', 'schema', 'direct_url', 'locations', 'os_hidden',
          'stores')
# What a caller may set; the rest is the service's to fill in.
WRITABLE = ('id', 'name', 'disk_format', 'container_format', 'min_disk',
            'min_ram', 'owner', 'visibility', 'protected', 'tags')


def _parse_time(value):
    if not value:
        return None
    return timeutils.normalize_time(timeutils.parse_isotime(value))


def from_glance(document):
    """A Glance v2 image document as nimbus's image dict."""
    image = {key: document.get(key) for key in ATTRIBUTES}
    image['tags'] = list(image['tags'] or [])
    image['created_at'] = _parse_time(image['created_at'])
    image['updated_at'] = _parse_time(image['updated_at'])
    image['properties'] = {key: value for key, value in document.items()
                           if key not in ATTRIBUTES and key not in _LINKS}
    return image


def to_glance(metadata):
    """A create body from nimbus's image dict (properties flattened;
    read-only attributes dropped; non-string properties as strings)."""
    body = {key: metadata[key] for key in WRITABLE
            if metadata.get(key) is not None}
    for key, value in (metadata.get('properties') or {}).items():
        if value is None:
            continue
        body[key] = value if isinstance(value, str) else str(value)
    return body


class API:
    """Images in the image service, as the calling context sees them."""

    def __init__(self, servers=None, timeout=None, num_retries=None):
        self._servers = servers
        self._timeout = timeout
        self._num_retries = num_retries
        self._next = 0
        self._local = threading.local()

    # Transport ---------------------------------------------------------

    @property
    def _session(self):
        # requests sessions are not safe to share between threads.
        session = getattr(self._local, 'session', None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    @property
    def servers(self):
        return [s.rstrip('/') for s in
                (self._servers or CONF.glance.api_servers)]

    def _token(self, context):
        if getattr(context, 'auth_token', None):
            return context.auth_token
        if CONF.api.auth_strategy == 'noauth2':
            if context.is_admin:
                return 'admin:admin'
            return '%s:%s' % (context.user_id, context.project_id)
        raise exception.ImageNotAuthorized(image_id='(any)')

    def _request(self, context, method, path, image_id=None, expect=(200,),
                 **kwargs):
        headers = kwargs.pop('headers', {})
        headers['X-Auth-Token'] = self._token(context)
        if getattr(context, 'global_id', None):
            headers['X-OpenStack-Request-ID'] = context.global_id
        timeout = self._timeout or CONF.glance.timeout
        retries = (self._num_retries if self._num_retries is not None
                   else CONF.glance.num_retries)
        servers = self.servers
        errors = []
        for attempt in range(retries + 1):
            server = servers[(self._next + attempt) % len(servers)]
            try:
                resp = self._session.request(
                    method, server + path, headers=headers, timeout=timeout,
                    **kwargs)
            except requests.ConnectionError as exc:
                errors.append('%s: %s' % (server, exc))
                LOG.warning('Image API at %s unreachable (attempt %d of '
                            '%d): %s', server, attempt + 1, retries + 1, exc)
                # A body given as a stream cannot be sent twice.
                if not isinstance(kwargs.get('data'),
                                  (bytes, str, type(None))):
                    break
                continue
            except requests.Timeout as exc:
                raise exception.ImageServiceUnavailable(
                    reason='%s %s%s timed out: %s' % (method, server, path,
                                                      exc))
            except requests.RequestException as exc:
                raise exception.ImageServiceUnavailable(
                    reason='%s %s%s failed: %s' % (method, server, path,
                                                   exc))
            self._next = (self._next + attempt) % len(servers)
            if resp.status_code not in expect:
                self._raise_for(resp, method, path, image_id)
            return resp
        raise exception.ImageServiceUnavailable(
            reason='cannot connect to %s' % '; '.join(errors))

    @staticmethod
    def _raise_for(resp, method, path, image_id):
        message = _error_message(resp)
        image_id = image_id or '(none)'
        code = resp.status_code
        resp.close()
        if code == 404:
            raise exception.ImageNotFound(image_id=image_id)
        if code in (401, 403):
            raise exception.ImageNotAuthorized(
                'Not authorized for image %s: %s' % (image_id, message),
                image_id=image_id)
        if code == 409:
            raise exception.ImageConflict(image_id=image_id, reason=message)
        if code == 413:
            raise exception.ImageSizeLimitExceeded(
                'Image data too large: %s' % message, limit=0)
        if 400 <= code < 500:
            raise exception.ImageBadRequest(image_id=image_id,
                                            reason=message)
        raise exception.ImageServiceUnavailable(
            reason='%s %s answered %d: %s' % (method, path, code, message))

    # Images ------------------------------------------------------------

    def get(self, context, image_id):
        """The image as a dict; ImageNotFound if this context cannot see
        it."""
        path = '/v2/images/%s' % urllib.parse.quote(str(image_id), safe='')
        resp = self._request(context, 'GET', path, image_id=image_id)
        return from_glance(resp.json())

    show = get

    def get_all(self, context, filters=None, limit=None, sort_key=None,
                sort_dir=None):
        """Every image matching ``filters`` (Glance's query parameters;
        a list value means any of them: id=[a, b] is id=in:a,b), following
        the ``next`` links; at most ``limit`` images."""
        params = []
        for key, value in (filters or {}).items():
            if isinstance(value, (list, tuple, set)):
                if key == 'tag':
                    params.extend(('tag', v) for v in value)
                    continue
                value = 'in:' + ','.join(str(v) for v in value)
            elif isinstance(value, bool):
                value = 'true' if value else 'false'
            params.append((key, value))
        if sort_key:
            params.append(('sort_key', sort_key))
        if sort_dir:
            params.append(('sort_dir', sort_dir))
        if limit is not None:
            params.append(('limit', limit))
        path = '/v2/images'
        if params:
            path += '?' + urllib.parse.urlencode(params)
        images = []
        while path:
            body = self._request(context, 'GET', path).json()
            images.extend(from_glance(doc) for doc in body['images'])
            if limit is not None and len(images) >= limit:
                return images[:limit]
            path = body.get('next')
        return images

    def create(self, context, metadata, data_iter=None):
        """A new image from ``metadata`` (nimbus's image dict, any part of
        it); with ``data_iter`` (bytes, a file, or an iterable of bytes)
        its data is uploaded too.  Returns the image as a dict."""
        resp = self._request(context, 'POST', '/v2/images',
                             expect=(201,), json=to_glance(metadata))
        image = from_glance(resp.json())
        if data_iter is not None:
            self.upload(context, image['id'], data_iter)
            image = self.get(context, image['id'])
        return image

    def upload(self, context, image_id, data_iter):
        """Send the image's data (queued → active)."""
        path = '/v2/images/%s/file' % image_id
        self._request(context, 'PUT', path, image_id=image_id,
                      expect=(204,), data=data_iter,
                      headers={'Content-Type': 'application/octet-stream'})

    def update(self, context, image_id, metadata, data_iter=None,
               purge_props=False):
        """Change attributes and properties (``metadata`` in nimbus's
        image dict shape; a property set to None is removed, as is every
        property not named when ``purge_props``); then upload
        ``data_iter`` if given.  Returns the image as a dict."""
        current = self.get(context, image_id)
        patch = []
        for key in WRITABLE:
            if key in metadata and key != 'id' and \
                    metadata[key] != current.get(key):
                patch.append({'op': 'replace', 'path': '/' + key,
                              'value': metadata[key]})
        properties = metadata.get('properties') or {}
        for key, value in properties.items():
            pointer = '/' + key.replace('~', '~0').replace('/', '~1')
            if value is None:
                if key in current['properties']:
                    patch.append({'op': 'remove', 'path': pointer})
            else:
                value = value if isinstance(value, str) else str(value)
                if current['properties'].get(key) != value:
                    patch.append({'op': 'add', 'path': pointer,
                                  'value': value})
        if purge_props:
            for key in current['properties']:
                if key not in properties:
                    pointer = '/' + key.replace('~', '~0').replace('/', '~1')
                    patch.append({'op': 'remove', 'path': pointer})
        image = current
        if patch:
            resp = self._request(
                context, 'PATCH', '/v2/images/%s' % image_id,
                image_id=image_id, data=json.dumps(patch),
                headers={'Content-Type': PATCH_TYPE})
            image = from_glance(resp.json())
        if data_iter is not None:
            self.upload(context, image_id, data_iter)
            image = self.get(context, image_id)
        return image

    def delete(self, context, image_id):
        self._request(context, 'DELETE', '/v2/images/%s' % image_id,
                      image_id=image_id, expect=(204,))
        return True

    def download(self, context, image_id, dst_path=None):
        """Stream the image's data into ``dst_path`` (written beside it
        and renamed when complete and its md5 matches), or, without a
        path, return an iterator over its chunks."""
        path = '/v2/images/%s/file' % image_id
        resp = self._request(context, 'GET', path, image_id=image_id,
                             expect=(200, 204), stream=True)
        if resp.status_code == 204:
            resp.close()
            raise exception.ImageDownloadFailed(
                image_id=image_id, reason='the image has no data')
        expected = resp.headers.get('Content-MD5')
        if not expected:
            expected = self.get(context, image_id)['checksum']
        if dst_path is None:
            return _verified_chunks(resp, image_id, expected)
        partial = '%s.part' % dst_path
        try:
            with open(partial, 'wb') as out:
                for chunk in _verified_chunks(resp, image_id, expected):
                    out.write(chunk)
            os.replace(partial, dst_path)
        except BaseException:
            try:
                os.unlink(partial)
            except FileNotFoundError:
                pass
            raise
        return dst_path


def _verified_chunks(resp, image_id, expected_md5):
    md5 = hashlib.md5(usedforsecurity=False)
    try:
        for chunk in resp.iter_content(CHUNK_SIZE):
            md5.update(chunk)
            yield chunk
    except requests.RequestException as exc:
        raise exception.ImageDownloadFailed(image_id=image_id,
                                            reason=str(exc))
    finally:
        resp.close()
    if expected_md5 and md5.hexdigest() != expected_md5:
        raise exception.ImageDownloadFailed(
            image_id=image_id,
            reason='checksum %s does not match the expected %s'
            % (md5.hexdigest(), expected_md5))


def _error_message(resp):
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200] or resp.reason
    if isinstance(body, dict) and len(body) == 1:
        fault = next(iter(body.values()))
        if isinstance(fault, dict) and 'message' in fault:
            return fault['message']
    return json.dumps(body)[:200]


def get_default_image_service():
    return API()
