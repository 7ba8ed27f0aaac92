"""An in-process Compute API: the real paste pipeline, called with webob."""

import json

import pytest
import webob

from nimbus import wsgi as nimbus_wsgi


class Client:
    """Calls the WSGI app like an HTTP client would."""

    def __init__(self, app, token='demo:demo', version=None):
        self.app = app
        self.token = token
        self.version = version

    def request(self, method, path, body=None, headers=None, token=True,
                version=True):
        req = webob.Request.blank(path, method=method)
        if body is not None:
            req.body = (body if isinstance(body, bytes)
                        else json.dumps(body).encode())
            req.content_type = 'application/json'
        if token and self.token:
            req.headers['X-Auth-Token'] = self.token
        if version and self.version:
            req.headers['X-OpenStack-Nova-API-Version'] = self.version
        for name, value in (headers or {}).items():
            req.headers[name] = value
        resp = req.get_response(self.app)
        resp.json_body_or_none = (json.loads(resp.body) if resp.body and
                                  resp.content_type == 'application/json'
                                  else None)
        return resp

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def post(self, path, body=None, **kw):
        return self.request('POST', path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request('PUT', path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request('DELETE', path, **kw)


@pytest.fixture
def compute_app(conf):
    return nimbus_wsgi.load_app('osapi_compute')


@pytest.fixture
def api(compute_app):
    return Client(compute_app)


@pytest.fixture
def admin_api(compute_app):
    return Client(compute_app, token='admin:admin')
