"""Version discovery of the Compute API, served without a token."""

import webob.dec

from nimbus.api.openstack import api_version
from nimbus.api.openstack import faults
from nimbus.api.openstack import wsgi

_V21_UPDATED = '2013-07-23T11:33:21Z'
_V20_UPDATED = '2011-01-21T11:33:21Z'


def _links(base_url, path):
    return [{'rel': 'self', 'href': base_url.rstrip('/') + path}]


def version_v21(base_url):
    return {
        'id': 'v2.1',
        'status': 'CURRENT',
        'version': api_version.MAX_VERSION,
        'min_version': api_version.MIN_VERSION,
        'updated': _V21_UPDATED,
        'links': _links(base_url, '/v2.1/'),
        'media-types': [{'base': 'application/json',
                         'type': 'application/vnd.openstack.compute+json;'
                                 'version=2.1'}],
    }


def version_v20(base_url):
    return {
        'id': 'v2.0',
        'status': 'SUPPORTED',
        'version': '',
        'min_version': '',
        'updated': _V20_UPDATED,
        'links': _links(base_url, '/v2/'),
        'media-types': [{'base': 'application/json',
                         'type': 'application/vnd.openstack.compute+json;'
                                 'version=2'}],
    }


def _strip_media_types(version):
    # The list document carries no media-types (tempest's schema).
    return {k: v for k, v in version.items() if k != 'media-types'}


@webob.dec.wsgify(RequestClass=wsgi.Request)
def versions_app(req):
    """GET / : every version of the API."""
    if req.method not in ('GET', 'HEAD'):
        return faults.fault_response(405, 'Method not allowed',
                                     {'Allow': 'GET, HEAD'})
    if req.path_info.rstrip('/'):
        return faults.fault_response(404, 'The resource could not be found.')
    base = req.application_url
    return wsgi.json_response({'versions': [
        _strip_media_types(version_v20(base)),
        _strip_media_types(version_v21(base))]})


def version_document(req, prefix):
    """GET /v2.1 (or /v2, /v1.1): one version, with its media types."""
    base = req.host_url + req.script_name
    body = version_v21(base) if prefix == '/v2.1' else version_v20(base)
    resp = wsgi.json_response({'version': body})
    if prefix == '/v2.1':
        api_version.add_headers(resp, api_version.min_version())
    return resp


def versions_factory(global_config, **local_config):
    return versions_app
