"""What POST /servers reads, and from where: the image from the image API's
own code when this process serves it (else over HTTP, with the same
answers), the flavor from a cache that a change through the API empties
at once."""

import pytest

from nimbus.image import glance as glance_client
from nimbus.image import local as local_image
from nimbus.objects import flavor as flavor_obj
from tests.functional.cloud import cloud  # noqa: F401
from tests.functional.cloud import glance  # noqa: F401
from tests.functional.cloud import image_db  # noqa: F401
from tests.functional.cloud import image_server  # noqa: F401
from tests.functional.cloud import upload_image
from tests.functional.cloud import user_context

V = {'X-OpenStack-Nova-API-Version': '2.37'}


class _Path:
    """How the boots of a test read their image: 'in-process' (no HTTP
    request may be made for it) or 'http' (as from a remote image
    service)."""

    def __init__(self, name):
        self.name = name
        self.http_gets = []


@pytest.fixture(params=['in-process', 'http'])
def image_path(request, cloud, monkeypatch):  # noqa: F811
    path = _Path(request.param)
    if request.param == 'http':
        monkeypatch.setattr(local_image, 'serves', lambda servers=None:
                            False)
    else:
        assert local_image.serves()
    real_get = glance_client.API.get

    def counted_get(self, context, image_id):
        path.http_gets.append(image_id)
        return real_get(self, context, image_id)
    monkeypatch.setattr(glance_client.API, 'get', counted_get)
    return path


def _post(cloud, image_id, path=None, api=None, flavor='1'):  # noqa: F811
    body = {'server': {'name': 'vm', 'imageRef': image_id,
                       'flavorRef': flavor, 'networks': 'auto'}}
    if path is not None:
        del path.http_gets[:]
    resp = (api or cloud.api).post('/v2.1/servers', body=body, headers=V)
    if path is not None:
        assert path.http_gets == ([] if path.name == 'in-process'
                                  else [image_id])
    return resp


def _bad_request(resp):
    assert resp.status_int == 400, resp.body
    return resp.json_body_or_none['badRequest']['message']


def test_boot_with_a_visible_active_image(cloud, image_path):  # noqa: F811
    resp = _post(cloud, cloud.image['id'], image_path)
    assert resp.status_int == 202, resp.body
    server_id = resp.json_body_or_none['server']['id']
    server = cloud.wait_for_status(server_id, ('ACTIVE',))
    assert server['image']['id'] == cloud.image['id']


def test_deleted_and_unknown_images_are_refused(cloud, glance,  # noqa: F811
                                                image_path):
    admin = user_context('admin', 'admin', admin=True)
    image = upload_image(glance, name='doomed')
    glance.delete(admin, image['id'])
    for image_id in (image['id'], '6d5c4e8a-0000-4000-8000-000000000000',
                     'not-a-uuid'):
        message = _bad_request(_post(cloud, image_id, image_path))
        assert message == 'Image %s could not be found.' % image_id


def test_private_image_of_another_project_is_refused(
        cloud, glance, image_path):  # noqa: F811
    image = upload_image(glance, name='secret', visibility='private')
    message = _bad_request(_post(cloud, image['id'], image_path))
    assert message == 'Image %s could not be found.' % image['id']
    # Its owner (admin's project) boots it.
    resp = _post(cloud, image['id'], image_path, api=cloud.admin_api)
    assert resp.status_int == 202, resp.body


def test_image_without_data_is_refused(cloud, glance,  # noqa: F811
                                       image_path):
    admin = user_context('admin', 'admin', admin=True)
    image = glance.create(admin, {'name': 'empty', 'disk_format': 'qcow2',
                                  'container_format': 'bare',
                                  'visibility': 'public'})
    message = _bad_request(_post(cloud, image['id'], image_path))
    assert image['id'] in message and 'active' in message


def test_image_read_in_process_is_the_clients_image(
        cloud, glance):  # noqa: F811
    context = user_context()
    image = upload_image(glance, name='props', kernel_id='k-1',
                         min_ram=64)
    assert local_image.serves()
    assert local_image.get(context, image['id']) == glance.get(
        context, image['id'])


def test_flavor_changed_through_the_api_is_seen_at_once(
        cloud):  # noqa: F811
    def create(ram):
        resp = cloud.admin_api.post('/v2.1/flavors', body={'flavor': {
            'name': 'f%d' % ram, 'ram': ram, 'vcpus': 1, 'disk': 1,
            'id': '42'}})
        assert resp.status_int == 200, resp.body

    create(128)
    assert _post(cloud, cloud.image['id'],
                 flavor='42').status_int == 202
    assert cloud.admin_api.delete('/v2.1/flavors/42').status_int == 202
    message = _bad_request(_post(cloud, cloud.image['id'],
                                 flavor='42'))
    assert message == 'Flavor 42 could not be found.'
    create(256)
    resp = _post(cloud, cloud.image['id'], flavor='42')
    assert resp.status_int == 202, resp.body
    server = cloud.wait_for_status(resp.json_body_or_none['server']['id'],
                                   ('ACTIVE',), api=cloud.api)
    flavor = cloud.admin_api.get('/v2.1/flavors/%s'
                                 % server['flavor']['id']).json_body_or_none
    assert flavor['flavor']['ram'] == 256


def test_flavor_cache_is_bounded_in_time(cloud, monkeypatch):  # noqa: F811
    """A change another process made (here: straight to the database) is
    seen once the cached row is CACHE_SECONDS old."""
    from nimbus.db.api import flavor as flavor_db
    admin = user_context('admin', 'admin', admin=True)
    now = [1000.0]
    monkeypatch.setattr(flavor_obj.time, 'monotonic', lambda: now[0])
    flavor_obj.forget_cached()
    assert flavor_obj.Flavor.get_by_flavor_id_cached(
        admin, '1').memory_mb == 512
    flavor_db.flavor_update(admin, '1', {'memory_mb': 1024})
    now[0] += flavor_obj.CACHE_SECONDS - 1
    assert flavor_obj.Flavor.get_by_flavor_id_cached(
        admin, '1').memory_mb == 512
    now[0] += 1
    assert flavor_obj.Flavor.get_by_flavor_id_cached(
        admin, '1').memory_mb == 1024
