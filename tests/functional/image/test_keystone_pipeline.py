"""The image pipeline under [api] auth_strategy = keystone loads, serves
versions without a token and refuses a request without one (before any
call to Keystone)."""

import json

from keystonemiddleware import auth_token  # noqa: F401  its options
import webob

from nimbus import wsgi as nimbus_wsgi


def test_keystone_pipeline(image_db):
    image_db.config(auth_strategy='keystone', group='api')
    image_db.config(www_authenticate_uri='http://127.0.0.1:5000/v3',
                    group='keystone_authtoken')
    app = nimbus_wsgi.load_app('image')
    resp = webob.Request.blank('/versions').get_response(app)
    assert resp.status_int == 200
    assert json.loads(resp.body)['versions'][0]['id'] == 'v2.5'
    resp = webob.Request.blank('/v2/images').get_response(app)
    assert resp.status_int == 401
    assert resp.headers['WWW-Authenticate'] == (
        'Keystone uri="http://127.0.0.1:5000/v3"')
