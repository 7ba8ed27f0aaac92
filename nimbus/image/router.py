"""The WSGI apps of the image endpoint.

``root_factory`` (paste composite ``image``): version discovery at ``/``,
``/versions`` and ``/v2`` with no token, everything below ``/v2/`` to the
authenticated pipeline.  ``app_factory``: the route table's dispatcher at
the end of that pipeline.  Handlers follow the Compute API's conventions
(nimbus.api.openstack.wsgi): a dict is JSON, None is 204, errors are
exceptions that the fault wrapper turns into JSON faults.
"""

import routes
import webob.dec
import webob.exc

from nimbus.api.openstack import faults
from nimbus.api.openstack import wsgi
from nimbus.image import routes as image_routes

# The image API has no microversions; this is the newest Glance v2
# minor whose features it has (community visibility, deactivation).
CURRENT = 'v2.5'
SUPPORTED = ('v2.4', 'v2.3', 'v2.2', 'v2.1', 'v2.0')


class ImageRouter:
    def __init__(self, route_table):
        self.mapper = routes.Mapper()
        self.handlers = {}
        for index, (path, methods) in enumerate(route_table.items()):
            key = 'r%d' % index
            self.handlers[key] = methods
            self.mapper.connect(path, route_index=key)

    @webob.dec.wsgify(RequestClass=wsgi.Request)
    def __call__(self, req):
        path = req.path_info.rstrip('/') or '/'
        match = self.mapper.match(path)
        if match is None:
            return faults.fault_response(404, 'The resource could not be '
                                              'found.')
        methods = self.handlers[match.pop('route_index')]
        handler = methods.get('GET' if req.method == 'HEAD' else req.method)
        if handler is None:
            return faults.fault_response(
                405, 'The method %s is not allowed for this resource.'
                % req.method, {'Allow': ', '.join(sorted(methods))})
        try:
            result = handler(req, **match)
        except webob.exc.HTTPException as exc:
            # wsgify would send these as text/plain; faults are JSON.
            resp = faults.from_exception(exc)
            if 'Accept-Patch' in exc.headers:
                resp.headers['Accept-Patch'] = exc.headers['Accept-Patch']
            return resp
        if isinstance(result, webob.Response):
            return result
        code = getattr(handler, 'wsgi_code', 200)
        if result is None and code == 200:
            code = 204
        return wsgi.json_response(result, status=code)


def versions(base_url):
    href = base_url.rstrip('/') + '/v2/'
    entries = [('v2.5', 'CURRENT')] + [(v, 'SUPPORTED') for v in SUPPORTED]
    return {'versions': [{'id': version, 'status': status,
                          'links': [{'rel': 'self', 'href': href}]}
                         for version, status in entries]}


class ImageRoot:
    """/ and /versions answer the version list (/ with 300 Multiple
    Choices, as Glance); /v2/... goes to the v2 pipeline."""

    def __init__(self, v2_app):
        self.v2_app = v2_app

    @webob.dec.wsgify(RequestClass=wsgi.Request)
    def __call__(self, req):
        path = req.path_info
        if path in ('', '/', '/versions', '/versions/', '/v2', '/v2/'):
            if req.method not in ('GET', 'HEAD'):
                return faults.fault_response(405, 'Method not allowed',
                                             {'Allow': 'GET, HEAD'})
            status = 200 if path.startswith('/versions') else 300
            return wsgi.json_response(versions(req.application_url),
                                      status=status)
        if path.startswith('/v2/'):
            req.script_name += '/v2'
            req.path_info = path[len('/v2'):]
            return req.get_response(self.v2_app)
        return faults.fault_response(404, 'The resource could not be '
                                          'found.')


def root_factory(loader, global_conf, **local_conf):
    return ImageRoot(loader.get_app(local_conf['/v2']))


def app_factory(global_config, **local_config):
    return ImageRouter(image_routes.ROUTES)
