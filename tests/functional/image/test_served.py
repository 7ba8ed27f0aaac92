"""The image API on a real socket (cheroot), driven by HTTP clients:
requests, nimbus's own client (nimbus.image.glance) and openstacksdk."""

import hashlib
import json
import os
import subprocess
import sys

import pytest
import requests

from nimbus import context as nimbus_context
from nimbus import exception
from nimbus.image import glance as glance_client

MB = 1024 * 1024


def _context(user='demo', project='demo'):
    return nimbus_context.RequestContext(
        user_id=user, project_id=project, auth_token='%s:%s' % (user,
                                                                project),
        is_admin=user == 'admin')


def test_requests_flow(image_api_url):
    session = requests.Session()
    session.headers['X-Auth-Token'] = 'demo:demo'
    url = image_api_url + '/v2/images'
    # openstackclient's lookup of an image by name
    assert session.get(url + '/cirros', timeout=10).status_code == 404
    assert session.get(url, params={'name': 'cirros'},
                       timeout=10).json()['images'] == []
    resp = session.post(url, json={
        'name': 'cirros', 'disk_format': 'qcow2', 'container_format': 'bare',
        'visibility': 'private', 'architecture': 'x86_64'}, timeout=10)
    assert resp.status_code == 201
    image = resp.json()
    data = os.urandom(MB)
    resp = session.put(url + '/%s/file' % image['id'], data=data,
                       headers={'Content-Type': 'application/octet-stream'},
                       timeout=30)
    assert resp.status_code == 204, resp.text
    shown = session.get(url + '/' + image['id'], timeout=10).json()
    assert (shown['status'], shown['size']) == ('active', MB)
    assert shown['checksum'] == hashlib.md5(data).hexdigest()
    assert shown['os_hash_value'] == hashlib.sha512(data).hexdigest()
    found = session.get(url, params={'name': 'cirros'}, timeout=10).json()
    assert [i['id'] for i in found['images']] == [image['id']]
    resp = session.get(url + '/%s/file' % image['id'], stream=True,
                       timeout=30)
    assert resp.status_code == 200
    assert resp.headers['Content-MD5'] == shown['checksum']
    assert int(resp.headers['Content-Length']) == MB
    assert b''.join(resp.iter_content(65536)) == data
    assert session.delete(url + '/' + image['id'],
                          timeout=10).status_code == 204
    assert session.get(url + '/' + image['id'], timeout=10).status_code == 404


def test_chunked_upload(image_api_url):
    # requests sends a generator with Transfer-Encoding: chunked.
    session = requests.Session()
    session.headers['X-Auth-Token'] = 'demo:demo'
    url = image_api_url + '/v2/images'
    image = session.post(url, json={'disk_format': 'raw',
                                    'container_format': 'bare'},
                         timeout=10).json()
    pieces = [os.urandom(100000) for _ in range(5)]
    resp = session.put(url + '/%s/file' % image['id'], data=iter(pieces),
                       headers={'Content-Type': 'application/octet-stream'},
                       timeout=30)
    assert resp.status_code == 204, resp.text
    shown = session.get(url + '/' + image['id'], timeout=10).json()
    assert shown['size'] == 500000
    assert shown['checksum'] == hashlib.md5(b''.join(pieces)).hexdigest()


def test_glance_client_flow(glance, tmp_path):
    context = _context()
    data = os.urandom(MB)
    kernel = glance.create(context, {'name': 'kernel', 'disk_format': 'aki',
                                     'container_format': 'aki'})
    assert kernel['status'] == 'queued'
    image = glance.create(context, {
        'name': 'guest', 'disk_format': 'qcow2', 'container_format': 'bare',
        'min_disk': 1, 'min_ram': 64, 'visibility': 'private',
        'properties': {'kernel_id': kernel['id'], 'architecture': 'x86_64',
                       'hw_disk_bus': 'virtio'}}, data_iter=data)
    assert set(image) == {
        'id', 'name', 'status', 'disk_format', 'container_format', 'size',
        'virtual_size', 'min_disk', 'min_ram', 'owner', 'visibility',
        'protected', 'checksum', 'os_hash_algo', 'os_hash_value', 'tags',
        'created_at', 'updated_at', 'properties'}
    assert image['status'] == 'active'
    assert image['size'] == MB
    assert image['checksum'] == hashlib.md5(data).hexdigest()
    assert image['owner'] == 'demo'
    assert image['properties'] == {'kernel_id': kernel['id'],
                                   'architecture': 'x86_64',
                                   'hw_disk_bus': 'virtio'}
    assert image['created_at'].tzinfo is None

    assert glance.get(context, image['id']) == image
    assert [i['id'] for i in glance.get_all(
        context, {'name': 'guest'})] == [image['id']]
    assert {i['id'] for i in glance.get_all(
        context, {'id': [image['id'], kernel['id']]})} == {image['id'],
                                                           kernel['id']}
    assert [i['id'] for i in glance.get_all(
        context, {'status': 'active', 'disk_format': 'qcow2'})] == [
        image['id']]
    # A limit among the filters is the page size: get_all follows the
    # next links; its own limit caps the total.
    assert [i['name'] for i in glance.get_all(
        context, {'limit': 1}, sort_key='name', sort_dir='asc')] == [
        'guest', 'kernel']
    assert len(glance.get_all(context, limit=1)) == 1

    dst = tmp_path / 'downloaded'
    assert glance.download(context, image['id'], str(dst)) == str(dst)
    assert dst.read_bytes() == data
    assert b''.join(glance.download(context, image['id'])) == data

    updated = glance.update(context, image['id'], {
        'name': 'guest2', 'min_ram': 128,
        'properties': {'architecture': 'aarch64', 'hw_disk_bus': None,
                       'os_distro': 'debian'}})
    assert updated['name'] == 'guest2'
    assert updated['min_ram'] == 128
    assert updated['properties'] == {'kernel_id': kernel['id'],
                                     'architecture': 'aarch64',
                                     'os_distro': 'debian'}
    purged = glance.update(context, image['id'],
                           {'properties': {'os_distro': 'debian'}},
                           purge_props=True)
    assert purged['properties'] == {'os_distro': 'debian'}

    # Another project sees nothing of a private image.
    other = _context('other', 'other')
    with pytest.raises(exception.ImageNotFound) as caught:
        glance.get(other, image['id'])
    assert caught.value.code == 404
    assert glance.get_all(other) == []

    assert glance.delete(context, image['id']) is True
    with pytest.raises(exception.ImageNotFound):
        glance.get(context, image['id'])
    with pytest.raises(exception.ImageNotFound):
        glance.delete(context, image['id'])


def test_glance_client_errors(glance):
    context = _context()
    with pytest.raises(exception.ImageBadRequest):
        glance.create(context, {'disk_format': 'floppy'})
    with pytest.raises(exception.ImageNotAuthorized):
        glance.create(context, {'visibility': 'public'})
    image = glance.create(context, {'protected': True})
    with pytest.raises(exception.ImageNotAuthorized):
        glance.delete(context, image['id'])
    glance.upload(context, image['id'], b'abc')
    with pytest.raises(exception.ImageConflict):
        glance.upload(context, image['id'], b'again')
    empty = glance.create(context, {})
    with pytest.raises(exception.ImageDownloadFailed):
        glance.download(context, empty['id'])


def test_admin_context_without_a_token_uses_noauth2_admin(glance):
    admin = nimbus_context.get_admin_context()
    image = glance.create(admin, {'name': 'by-a-service'})
    assert image['owner'] == 'admin'
    assert glance.get(admin, image['id'])['id'] == image['id']
    with pytest.raises(exception.ImageNotFound):
        glance.get(_context(), image['id'])


def test_download_notices_corrupted_data(glance, tmp_path, image_db):
    context = _context()
    image = glance.create(context, {'name': 'x'}, data_iter=b'good data')
    datadir = tmp_path / 'images'
    (datadir / image['id']).write_bytes(b'evil data')
    dst = tmp_path / 'copy'
    with pytest.raises(exception.ImageDownloadFailed) as caught:
        glance.download(context, image['id'], str(dst))
    assert 'checksum' in str(caught.value)
    assert not dst.exists()
    assert list(tmp_path.glob('copy*')) == []


def test_unreachable_service_is_image_service_unavailable(conf):
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    api = glance_client.API(servers=['http://127.0.0.1:%d' % port],
                            timeout=2, num_retries=1)
    with pytest.raises(exception.ImageServiceUnavailable) as caught:
        api.get(_context(), 'anything')
    assert caught.value.code == 503
    assert '127.0.0.1:%d' % port in str(caught.value)


def test_client_fails_over_to_the_next_server(image_api_url, conf):
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        dead = 'http://127.0.0.1:%d' % sock.getsockname()[1]
    api = glance_client.API(servers=[dead, image_api_url], num_retries=1)
    assert api.get_all(_context()) == []


def test_openstacksdk_flow(image_api_url, tmp_path):
    import openstack  # in the test extras: a missing SDK is a failure
    conn = openstack.connection.Connection(
        auth_type='admin_token',
        auth={'token': 'demo:demo', 'endpoint': image_api_url},
        image_endpoint_override=image_api_url, region_name='RegionOne')
    source = tmp_path / 'cirros.qcow2'
    data = os.urandom(MB)
    source.write_bytes(data)
    # find (GET /v2/images/NAME -> 404 -> ?name=), POST, PUT file
    created = conn.image.create_image(
        'cirros', filename=str(source), disk_format='qcow2',
        container_format='bare', allow_duplicates=False)
    image = conn.image.get_image(created.id)
    assert image.status == 'active'
    assert image.size == MB
    assert image.checksum == hashlib.md5(data).hexdigest()
    assert image.hash_algo == 'sha512'
    assert image.hash_value == hashlib.sha512(data).hexdigest()
    assert conn.image.find_image('cirros').id == image.id
    assert [i.id for i in conn.image.images(status='active')] == [image.id]
    assert [i.id for i in conn.image.images(
        disk_format='qcow2', visibility='shared')] == [image.id]
    out = tmp_path / 'out'
    conn.image.download_image(image, output=str(out))
    assert out.read_bytes() == data
    conn.image.update_image(image, name='cirros2', os_distro='cirros')
    image = conn.image.get_image(image.id)
    assert (image.name, image.os_distro) == ('cirros2', 'cirros')
    conn.image.add_tag(image, 'test')
    assert conn.image.get_image(image.id).tags == ['test']
    conn.image.delete_image(image)
    assert conn.image.find_image(image.id) is None


def test_openstackclient_image_commands(image_api_url, tmp_path):
    # The commands operators type, against the served API (noauth2: an
    # admin_token plugin carries user:project; the endpoint is /v2).
    osc = os.path.join(os.path.dirname(sys.executable), 'openstack')
    assert os.path.exists(osc), 'python-openstackclient is not installed'
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    base = [osc, '--os-auth-type', 'admin_token', '--os-token', 'demo:demo',
            '--os-endpoint', image_api_url + '/v2']

    def run(*args):
        result = subprocess.run(base + list(args), capture_output=True,
                                text=True, env=env, timeout=120,
                                stdin=subprocess.DEVNULL)
        assert result.returncode == 0, result.stderr
        return result.stdout

    source = tmp_path / 'cirros.qcow2'
    data = os.urandom(MB)
    source.write_bytes(data)
    created = json.loads(run('image', 'create', '--file', str(source),
                             '--disk-format', 'qcow2', 'cirros', '-f',
                             'json'))
    assert created['status'] == 'active'
    assert created['size'] == MB
    assert created['checksum'] == hashlib.md5(data).hexdigest()
    run('image', 'set', '--property', 'os_distro=cirros', 'cirros')
    shown = json.loads(run('image', 'show', 'cirros', '-f', 'json'))
    assert shown['properties']['os_distro'] == 'cirros'
    run('image', 'save', '--file', str(tmp_path / 'saved'), 'cirros')
    assert (tmp_path / 'saved').read_bytes() == data
    run('image', 'delete', 'cirros')
    resp = requests.get(image_api_url + '/v2/images?name=cirros',
                        headers={'X-Auth-Token': 'demo:demo'}, timeout=10)
    assert resp.json()['images'] == []
