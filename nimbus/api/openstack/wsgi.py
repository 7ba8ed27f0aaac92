"""Request handling of the Compute API: a route table of plain functions.

A handler is ``handler(req, **url_args)``; it returns a dict (sent as JSON
with the handler's success code, 200 unless ``@response`` says otherwise),
``None`` (an empty body), or a ready ``webob.Response``.  It raises nimbus
exceptions or ``webob.exc`` errors; FaultWrapper turns them into faults.
"""

import functools
import json

import routes
import webob
import webob.dec
import webob.exc

from nimbus.api.openstack import api_version
from nimbus.api.openstack import faults

CONTEXT_KEY = 'nimbus.context'
VERSION_KEY = 'nimbus.api_version'


class Request(webob.Request):
    @property
    def context(self):
        return self.environ[CONTEXT_KEY]

    @property
    def api_version(self):
        return self.environ.get(VERSION_KEY) or api_version.min_version()

    def is_legacy_v2(self):
        return self.environ.get('nimbus.legacy_v2', False)

    def json_body(self):
        """The request body as a JSON object; 400 when it is not one."""
        if not self.body:
            raise webob.exc.HTTPBadRequest(
                explanation='The request body is empty; a JSON object is '
                            'required.')
        try:
            body = json.loads(self.body)
        except ValueError:
            raise webob.exc.HTTPBadRequest(
                explanation='Malformed request body: not valid JSON.')
        if not isinstance(body, dict):
            raise webob.exc.HTTPBadRequest(
                explanation='Malformed request body: a JSON object is '
                            'required.')
        return body


def response(code):
    """Set the success status of a handler (202 for accepted actions)."""
    def decorate(func):
        func.wsgi_code = code
        return func
    return decorate


def json_response(body, status=200, headers=None):
    resp = webob.Response(status=status, content_type='application/json',
                          charset='UTF-8')
    if body is not None:
        resp.body = json.dumps(body, default=_json_default).encode()
    else:
        resp.content_type = None
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def _json_default(value):
    if hasattr(value, 'isoformat'):
        return value.isoformat()
    raise TypeError('%r is not JSON serializable' % (value,))


class APIRouter:
    """The WSGI app at the end of a pipeline: version negotiation, routing,
    dispatch.  ``route_table`` maps a path template to {METHOD: handler}."""

    def __init__(self, route_table, legacy_v2=False):
        self.legacy_v2 = legacy_v2
        self.mapper = routes.Mapper()
        self.handlers = {}
        for index, (path, methods) in enumerate(route_table.items()):
            key = 'r%d' % index  # routes turns match values into strings
            self.handlers[key] = methods
            # The project id in the URL is optional, as in Nova.
            self.mapper.connect(path, route_index=key)
            self.mapper.connect('/{project_id}' + path, route_index=key)

    @webob.dec.wsgify(RequestClass=Request)
    def __call__(self, req):
        if self.legacy_v2:
            version = api_version.min_version()
            req.environ['nimbus.legacy_v2'] = True
        else:
            try:
                version = api_version.from_headers(req.headers)
            except api_version.InvalidVersion as exc:
                return faults.fault_response(400, str(exc))
            except api_version.VersionNotSupported as exc:
                return faults.fault_response(406, str(exc))
        req.environ[VERSION_KEY] = version
        resp = self._dispatch(req)
        if not self.legacy_v2:
            api_version.add_headers(resp, version)
        return resp

    def _dispatch(self, req):
        path = req.path_info.rstrip('/') or '/'
        match = self.mapper.match(path)
        if match is None:
            return faults.fault_response(404, 'The resource could not be '
                                              'found.')
        methods = self.handlers[match.pop('route_index')]
        method = 'GET' if req.method == 'HEAD' else req.method
        handler = methods.get(method)
        if handler is None:
            return faults.fault_response(
                405, 'The method %s is not allowed for this resource.'
                % req.method, {'Allow': ', '.join(sorted(methods))})
        project_id = match.pop('project_id', None)
        if project_id is not None:
            # As Nova: a URL naming another project than the token's is
            # malformed, rather than quietly served for the token's.
            context = req.environ.get(CONTEXT_KEY)
            if context is not None and project_id != context.project_id:
                return faults.fault_response(
                    400, "Malformed request URL: URL's project_id '%s' "
                         "doesn't match Context's project_id '%s'"
                         % (project_id, context.project_id))
            req.environ['nimbus.url_project_id'] = project_id
        try:
            result = handler(req, **match)
        except webob.exc.HTTPException as exc:
            # wsgify would send it as text/plain; clients get JSON faults.
            return faults.from_exception(exc)
        if isinstance(result, webob.Response):
            return result
        code = getattr(handler, 'wsgi_code', 200)
        if result is None and code == 200:
            code = 204
        return json_response(result, status=code)


def handler_with(func, **fixed):
    """A handler calling ``func`` with extra keyword arguments."""
    @functools.wraps(func)
    def bound(req, **kwargs):
        return func(req, **dict(kwargs, **fixed))
    return bound
