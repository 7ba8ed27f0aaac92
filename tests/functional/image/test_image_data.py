"""PUT/GET /v2/images/{id}/file: upload to the filesystem store, hashes,
virtual size, download, and the failures around them."""

import hashlib
import io
import os
import struct

import pytest
import webob


def qcow2_header(virtual_size):
    # magic, version 3, no backing file, cluster_bits 16, size
    return (b'QFI\xfb' + struct.pack('>IQIIQ', 3, 0, 0, 16, virtual_size) +
            b'\0' * 72)


def test_upload_makes_the_image_active(api, datadir):
    image = api.create(name='r', disk_format='raw', container_format='bare')
    data = os.urandom(300 * 1024)
    api.upload(image['id'], data)
    shown = api.get('/v2/images/%s' % image['id']).json_or_none
    assert shown['status'] == 'active'
    assert shown['size'] == len(data)
    assert shown['virtual_size'] == len(data)  # raw: the same
    assert shown['checksum'] == hashlib.md5(data).hexdigest()
    assert shown['os_hash_algo'] == 'sha512'
    assert shown['os_hash_value'] == hashlib.sha512(data).hexdigest()
    with open(datadir / image['id'], 'rb') as f:
        assert f.read() == data
    assert [p.name for p in datadir.iterdir()] == [image['id']]


def test_qcow2_virtual_size_comes_from_its_header(api):
    image = api.create(disk_format='qcow2', container_format='bare')
    api.upload(image['id'], qcow2_header(10 * 2 ** 30) + b'\0' * 4096)
    shown = api.get('/v2/images/%s' % image['id']).json_or_none
    assert shown['virtual_size'] == 10 * 2 ** 30
    assert shown['size'] == 104 + 4096


def test_not_qcow2_data_has_no_virtual_size(api):
    image = api.create(disk_format='qcow2', container_format='bare')
    api.upload(image['id'], b'not a qcow2 file at all, just bytes')
    assert api.get('/v2/images/%s' % image['id']).json_or_none[
        'virtual_size'] is None


def test_download_streams_the_data_back(api, other_api, admin_api):
    image = admin_api.create(visibility='public', disk_format='raw',
                             container_format='bare')
    data = os.urandom(200 * 1024 + 7)
    admin_api.upload(image['id'], data)
    for client in (api, other_api, admin_api):
        resp = client.get('/v2/images/%s/file' % image['id'])
        assert resp.status_int == 200
        assert resp.body == data
        assert resp.content_type == 'application/octet-stream'
        assert resp.content_length == len(data)
        assert resp.headers['Content-MD5'] == hashlib.md5(data).hexdigest()


def test_empty_data_is_an_image_too(api):
    image = api.create(disk_format='raw', container_format='bare')
    api.upload(image['id'], b'')
    shown = api.get('/v2/images/%s' % image['id']).json_or_none
    assert (shown['status'], shown['size']) == ('active', 0)
    resp = api.get('/v2/images/%s/file' % image['id'])
    assert (resp.status_int, resp.body) == (200, b'')


def test_download_of_an_image_without_data_is_204(api):
    image = api.create()
    resp = api.get('/v2/images/%s/file' % image['id'])
    assert resp.status_int == 204
    assert resp.body == b''


def test_second_upload_is_409(api):
    image = api.create()
    api.upload(image['id'], b'one')
    resp = api.put('/v2/images/%s/file' % image['id'], b'two')
    assert resp.status_int == 409
    assert resp.json_or_none['conflictingRequest']['code'] == 409
    assert api.get('/v2/images/%s/file' % image['id']).body == b'one'


def test_upload_needs_octet_stream(api):
    image = api.create()
    resp = api.put('/v2/images/%s/file' % image['id'], b'{}',
                   content_type='application/json')
    assert resp.status_int == 415
    assert api.get('/v2/images/%s' % image['id']).json_or_none[
        'status'] == 'queued'


def test_upload_over_the_size_cap_is_413_and_keeps_nothing(api, conf,
                                                           datadir):
    conf.config(image_size_cap=1000, group='image')
    image = api.create()
    resp = api.put('/v2/images/%s/file' % image['id'], b'x' * 1001)
    assert resp.status_int == 413
    assert resp.json_or_none['overLimit']['code'] == 413
    assert api.get('/v2/images/%s' % image['id']).json_or_none[
        'status'] == 'queued'
    assert not datadir.exists() or list(datadir.iterdir()) == []
    # Within the cap, the same image takes its data.
    api.upload(image['id'], b'x' * 1000)


def test_size_cap_holds_without_content_length(api, conf, datadir):
    # A chunked upload announces no length; the store counts.
    conf.config(image_size_cap=1000, group='image')
    image = api.create()
    req = webob.Request.blank('/v2/images/%s/file' % image['id'],
                              method='PUT')
    req.headers['X-Auth-Token'] = 'demo:demo'
    req.headers['Transfer-Encoding'] = 'chunked'
    req.content_type = 'application/octet-stream'
    req.environ['wsgi.input'] = io.BytesIO(b'y' * 5000)
    req.environ['wsgi.input_terminated'] = True
    resp = req.get_response(api.app)
    assert resp.status_int == 413
    assert not (datadir / image['id']).exists()
    assert list(datadir.iterdir()) == []
    assert api.get('/v2/images/%s' % image['id']).json_or_none[
        'status'] == 'queued'


def test_delete_removes_the_data(api, datadir):
    image = api.create()
    api.upload(image['id'], b'data')
    assert (datadir / image['id']).exists()
    assert api.delete('/v2/images/%s' % image['id']).status_int == 204
    assert not (datadir / image['id']).exists()


def test_missing_data_file_is_503_not_500(api, datadir):
    image = api.create()
    api.upload(image['id'], b'data')
    os.unlink(datadir / image['id'])
    resp = api.get('/v2/images/%s/file' % image['id'])
    assert resp.status_int == 503
    assert resp.json_or_none['serviceUnavailable']['code'] == 503


@pytest.mark.parametrize('method', ['POST', 'DELETE', 'PATCH'])
def test_other_methods_on_file_are_405(api, method):
    image = api.create()
    resp = api.request(method, '/v2/images/%s/file' % image['id'])
    assert resp.status_int == 405
    assert resp.headers['Allow'] == 'GET, PUT'


def test_upload_to_a_missing_image_is_404(api):
    resp = api.put('/v2/images/8e8e9c54-5a4b-4c56-8b3e-4e1bcb5b0c9e/file',
                   b'x')
    assert resp.status_int == 404
