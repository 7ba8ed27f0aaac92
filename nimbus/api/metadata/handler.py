"""The metadata WSGI app (``metadata_listen``:``metadata_listen_port``).

A request is answered for the instance whose fixed IP it comes from: the
peer address of the connection, or the first address of
``X-Forwarded-For`` when ``[api] use_forwarded_for`` says a trusted proxy
sits in front (off by default: the header is then ignored, so nobody can
claim another instance's address). A request from an address that is no
instance's fixed IP gets 404. Lookups are kept for
``[api] metadata_cache_expiration`` seconds.
"""

import threading
import time

from oslo_log import log as logging
import webob
import webob.dec
import webob.exc

from nimbus.api.metadata import base
from nimbus.conf import CONF
from nimbus import context as nimbus_context
from nimbus.db.api import fixed_ip as fixed_ip_db
from nimbus import exception
from nimbus import objects

LOG = logging.getLogger(__name__)


class MetadataCache:
    """address -> InstanceMetadata (or None: no instance), for a while."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = {}

    def get(self, address, load):
        ttl = CONF.api.metadata_cache_expiration
        now = time.monotonic()
        if ttl > 0:
            with self._lock:
                entry = self._entries.get(address)
                if entry is not None and entry[0] > now:
                    return entry[1]
        value = load(address)
        if ttl > 0:
            with self._lock:
                self._entries[address] = (now + ttl, value)
                if len(self._entries) > 10000:
                    self._entries = {key: item for key, item in
                                     self._entries.items() if item[0] > now}
        return value


def instance_metadata_for_address(address):
    """The InstanceMetadata of the instance with fixed IP ``address``,
    or None."""
    context = nimbus_context.get_admin_context()
    try:
        fixed = fixed_ip_db.fixed_ip_get_by_address(context, address)
    except exception.NotFound:
        return None
    if not fixed['instance_uuid'] or not fixed['allocated']:
        return None
    try:
        instance = objects.Instance.get_by_uuid(
            context, fixed['instance_uuid'],
            expected_attrs=base.INSTANCE_ATTRS)
    except exception.InstanceNotFound:
        return None
    return base.InstanceMetadata(context, instance)


class MetadataRequestHandler:
    """Serves the EC2 and OpenStack metadata trees."""

    def __init__(self):
        self.cache = MetadataCache()

    @staticmethod
    def _source_address(req):
        if CONF.api.use_forwarded_for:
            forwarded = req.headers.get('X-Forwarded-For')
            if forwarded:
                return forwarded.split(',')[0].strip()
        return req.remote_addr

    @webob.dec.wsgify
    def __call__(self, req):
        if req.method not in ('GET', 'HEAD'):
            return webob.exc.HTTPMethodNotAllowed(
                headers=[('Allow', 'GET, HEAD')])
        parts = [part for part in req.path_info.split('/') if part]
        if not parts:
            # The EC2 versions, also asked by clients that have no IP
            # of an instance (nothing is disclosed).
            return _text('\n'.join(base.EC2_VERSIONS + ('latest',)))
        address = self._source_address(req)
        try:
            meta = self.cache.get(address, instance_metadata_for_address)
        except Exception:
            LOG.exception('Could not look up the instance of %s', address)
            return webob.exc.HTTPInternalServerError(
                explanation='An unknown error has occurred.')
        if meta is None:
            LOG.info('Metadata request from %s, which is no instance\'s '
                     'fixed IP', address)
            return webob.exc.HTTPNotFound()
        try:
            if parts[0] == 'openstack':
                if len(parts) == 1:
                    result = list(base.OPENSTACK_VERSIONS) + ['latest']
                else:
                    result = meta.lookup_openstack(parts[1], parts[2:])
            else:
                result = meta.lookup_ec2(parts[0], parts[1:])
        except base.InvalidPath:
            return webob.exc.HTTPNotFound()
        if isinstance(result, (list, tuple)):
            return _text('\n'.join(str(item) for item in result))
        if isinstance(result, bytes):
            resp = webob.Response(body=result,
                                  content_type='application/octet-stream')
            return resp
        content_type = ('application/json' if parts[-1].endswith('.json')
                        else 'text/plain')
        return _text(str(result), content_type)


def _text(body, content_type='text/plain'):
    return webob.Response(body=body.encode(), content_type=content_type,
                          charset='UTF-8')


def app_factory(global_conf, **local_conf):
    return MetadataRequestHandler()
