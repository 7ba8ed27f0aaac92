"""Version discovery, microversion negotiation, auth and faults."""

from nimbus.api.openstack import api_version


def _fault(resp, code, kind):
    assert resp.status_int == code, resp.body
    body = resp.json_body_or_none
    assert list(body) == [kind], body
    assert body[kind]['code'] == code and body[kind]['message']


def test_root_lists_versions_without_token(api):
    resp = api.get('/', token=False)
    assert resp.status_int == 200
    versions = resp.json_body_or_none['versions']
    assert versions[0]['id'] == 'v2.0'
    assert [v['id'] for v in versions] == ['v2.0', 'v2.1']
    assert versions[1]['version'] == api_version.MAX_VERSION


def test_version_document_without_token(api):
    for path in ('/v2.1', '/v2.1/'):
        resp = api.get(path, token=False)
        assert resp.status_int == 200
        doc = resp.json_body_or_none['version']
        assert doc['id'] == 'v2.1' and doc['status'] == 'CURRENT'
        assert doc['min_version'] == api_version.MIN_VERSION
        assert doc['links'][0]['href'].endswith('/v2.1/')
    assert api.get('/v2', token=False).json_body_or_none['version'][
        'id'] == 'v2.0'


def test_api_needs_a_token(api):
    _fault(api.get('/v2.1/extensions', token=False), 401, 'unauthorized')


def test_both_version_headers_echoed(api):
    resp = api.get('/v2.1/extensions',
                   headers={'OpenStack-API-Version': 'compute 2.1'})
    assert resp.status_int == 200
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.1'
    assert resp.headers['X-OpenStack-Nova-API-Version'] == '2.1'
    resp = api.get('/v2.1/extensions',
                   headers={'X-OpenStack-Nova-API-Version': 'latest'})
    assert resp.headers['X-OpenStack-Nova-API-Version'] == (
        api_version.MAX_VERSION)


def test_bad_and_unsupported_versions(api):
    _fault(api.get('/v2.1/extensions',
                   headers={'X-OpenStack-Nova-API-Version': '2.x'}),
           400, 'badRequest')
    _fault(api.get('/v2.1/extensions',
                   headers={'X-OpenStack-Nova-API-Version': '2.9999'}),
           406, 'notAcceptable')


def test_unknown_path_and_method(api):
    _fault(api.get('/v2.1/no-such-thing'), 404, 'itemNotFound')
    resp = api.post('/v2.1/extensions', body={})
    _fault(resp, 405, 'badMethod')
    assert resp.headers['Allow'] == 'GET'


def test_project_id_in_url_and_legacy_v2(api):
    assert api.get('/v2.1/demo/extensions').status_int == 200
    resp = api.get('/v2/demo/extensions')
    assert resp.status_int == 200
    assert 'X-OpenStack-Nova-API-Version' not in resp.headers
    assert api.get('/v1.1/extensions').status_int == 200


def test_request_id_returned(api):
    resp = api.get('/v2.1/extensions')
    assert resp.headers['x-openstack-request-id'].startswith('req-')
