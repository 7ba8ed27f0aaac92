"""The image API in one process: webob requests through the real paste
pipeline (noauth2: the token is user:project; user 'admin' is admin)."""

import json

import pytest
import webob

from tests.functional.image import fixtures

glance = fixtures.glance
image_api_url = fixtures.image_api_url
image_app = fixtures.image_app
image_db = fixtures.image_db
image_server = fixtures.image_server

PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'


class Client:
    def __init__(self, app, token):
        self.app = app
        self.token = token

    def request(self, method, path, body=None, content_type=None,
                headers=None, token=True):
        req = webob.Request.blank(path, method=method)
        if body is not None:
            if isinstance(body, bytes):
                req.body = body
                req.content_type = content_type or 'application/octet-stream'
            else:
                req.body = json.dumps(body).encode()
                req.content_type = content_type or 'application/json'
        elif content_type:
            req.content_type = content_type
        if token and self.token:
            req.headers['X-Auth-Token'] = self.token
        for name, value in (headers or {}).items():
            req.headers[name] = value
        resp = req.get_response(self.app)
        resp.json_or_none = (json.loads(resp.body) if resp.body and
                             resp.content_type == 'application/json'
                             else None)
        return resp

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def post(self, path, body=None, **kw):
        return self.request('POST', path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request('PUT', path, body=body, **kw)

    def patch(self, path, operations, content_type=PATCH_TYPE, **kw):
        return self.request('PATCH', path, body=operations,
                            content_type=content_type, **kw)

    def delete(self, path, **kw):
        return self.request('DELETE', path, **kw)

    def create(self, **attributes):
        """POST an image; assert it was created; return its document."""
        resp = self.post('/v2/images', attributes)
        assert resp.status_int == 201, resp.body
        return resp.json_or_none

    def upload(self, image_id, data):
        resp = self.put('/v2/images/%s/file' % image_id, data)
        assert resp.status_int == 204, resp.body
        return resp


@pytest.fixture
def api(image_app):
    return Client(image_app, 'demo:demo')


@pytest.fixture
def other_api(image_app):
    return Client(image_app, 'other:other')


@pytest.fixture
def admin_api(image_app):
    return Client(image_app, 'admin:admin')


@pytest.fixture
def datadir(image_db, tmp_path):
    return tmp_path / 'images'
