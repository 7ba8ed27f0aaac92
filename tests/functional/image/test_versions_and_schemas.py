"""Version discovery (no token), schema documents, and what every request
outside the route table gets: a JSON fault, never HTML or a 500."""

import pytest


def test_root_lists_versions_without_a_token(api):
    resp = api.get('/', token=False)
    assert resp.status_int == 300  # Multiple Choices, as Glance
    versions = resp.json_or_none['versions']
    assert versions[0] == {'id': 'v2.5', 'status': 'CURRENT', 'links': [
        {'rel': 'self', 'href': 'http://localhost/v2/'}]}
    assert {v['id'] for v in versions} >= {'v2.0', 'v2.1', 'v2.5'}
    assert all(v['status'] in ('CURRENT', 'SUPPORTED') for v in versions)


@pytest.mark.parametrize('path', ['/versions', '/versions/'])
def test_versions_answers_200(api, path):
    resp = api.get(path, token=False)
    assert resp.status_int == 200
    assert resp.json_or_none['versions'][0]['id'] == 'v2.5'


def test_v2_alone_lists_versions(api):
    resp = api.get('/v2', token=False)
    assert resp.status_int == 300
    assert 'versions' in resp.json_or_none


def test_versions_refuse_other_methods(api):
    resp = api.post('/versions', {})
    assert resp.status_int == 405
    assert resp.json_or_none['badMethod']['code'] == 405


def test_unknown_paths_are_json_404(api):
    for path in ('/v1/images', '/v3', '/v2/nothing', '/v2/images/x/y/z'):
        resp = api.get(path)
        assert resp.status_int == 404, path
        assert resp.json_or_none['itemNotFound']['code'] == 404


def test_api_needs_a_token(api):
    resp = api.get('/v2/images', token=False)
    assert resp.status_int == 401
    assert 'unauthorized' in resp.json_or_none


def test_wrong_method_is_405_with_allow(api):
    resp = api.post('/v2/schemas/image', {})
    assert resp.status_int == 405
    assert resp.headers['Allow'] == 'GET'


def test_image_schema(api):
    resp = api.get('/v2/schemas/image')
    assert resp.status_int == 200
    schema = resp.json_or_none
    assert schema['name'] == 'image'
    assert schema['additionalProperties'] == {'type': 'string',
                                              'maxLength': 65535}
    props = schema['properties']
    for name in ('id', 'name', 'status', 'visibility', 'protected',
                 'checksum', 'os_hash_algo', 'os_hash_value', 'owner',
                 'size', 'virtual_size', 'container_format', 'disk_format',
                 'created_at', 'updated_at', 'tags', 'min_ram', 'min_disk',
                 'self', 'file', 'schema', 'kernel_id', 'ramdisk_id'):
        assert name in props, name
    assert props['disk_format']['enum'] == [
        None, 'raw', 'qcow2', 'aki', 'ari', 'ami', 'iso']
    assert props['container_format']['enum'] == [
        None, 'bare', 'ami', 'aki', 'ari', 'ovf']
    assert props['status']['readOnly'] is True
    assert {link['rel'] for link in schema['links']} == {
        'self', 'enclosure', 'describedby'}


def test_images_schema(api):
    schema = api.get('/v2/schemas/images').json_or_none
    assert schema['name'] == 'images'
    assert schema['properties']['images']['items']['name'] == 'image'
    assert set(schema['properties']) == {'images', 'schema', 'first', 'next'}


def test_formats_follow_the_configuration(api, conf):
    conf.config(disk_formats=['raw', 'vmdk'], group='image_format')
    schema = api.get('/v2/schemas/image').json_or_none
    assert schema['properties']['disk_format']['enum'] == [None, 'raw',
                                                           'vmdk']
    assert api.post('/v2/images', {'disk_format': 'vmdk'}).status_int == 201
    assert api.post('/v2/images', {'disk_format': 'qcow2'}).status_int == 400
