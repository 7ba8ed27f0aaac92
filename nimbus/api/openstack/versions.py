"""Version discovery of the Compute API, served without a token."""

import json

import webob
import webob.dec

# The newest microversion whose behaviour nimbus implements in full.
MIN_API_VERSION = '2.1'
MAX_API_VERSION = '2.1'
_UPDATED = '2013-07-23T11:33:21Z'


def _version_v21(url):
    return {
        'id': 'v2.1',
        'status': 'CURRENT',
        'version': MAX_API_VERSION,
        'min_version': MIN_API_VERSION,
        'updated': _UPDATED,
        'links': [{'rel': 'self', 'href': url.rstrip('/') + '/v2.1/'}],
    }


def _version_v20(url):
    return {
        'id': 'v2.0',
        'status': 'SUPPORTED',
        'version': '',
        'min_version': '',
        'updated': '2011-01-21T11:33:21Z',
        'links': [{'rel': 'self', 'href': url.rstrip('/') + '/v2/'}],
    }


def _json(body, status=200):
    return webob.Response(body=json.dumps(body).encode(), status=status,
                          content_type='application/json', charset='UTF-8')


@webob.dec.wsgify
def versions_app(request):
    """GET / lists the versions; GET /v2.1 shows one."""
    url = request.host_url
    path = request.path_info.rstrip('/')
    if request.method not in ('GET', 'HEAD'):
        return _json({'badMethod': {'code': 405,
                                    'message': 'Method not allowed'}}, 405)
    if path == '':
        return _json({'versions': [_version_v20(url), _version_v21(url)]})
    if path == '/v2.1':
        return _json({'version': _version_v21(url)})
    return _json({'itemNotFound': {'code': 404,
                                   'message': 'Resource not found'}}, 404)


def versions_factory(global_config, **local_config):
    return versions_app
