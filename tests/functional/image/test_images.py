"""/v2/images: create, show, update (JSON patch), delete, tags, actions,
and who may see and change what."""

import re

import pytest

ISO_Z = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
KERNEL = '2b9c5b4e-0f0e-4f3a-9c1a-1e2b3c4d5e6f'
GLANCE_KEYS = {'id', 'name', 'status', 'visibility', 'protected', 'tags',
               'container_format', 'disk_format', 'min_ram', 'min_disk',
               'size', 'virtual_size', 'checksum', 'os_hash_algo',
               'os_hash_value', 'owner', 'created_at', 'updated_at', 'self',
               'file', 'schema'}


# Create -----------------------------------------------------------------

def test_create_minimal_image_in_glance_format(api):
    resp = api.post('/v2/images', {})
    assert resp.status_int == 201
    image = resp.json_or_none
    assert set(image) == GLANCE_KEYS
    assert image['status'] == 'queued'
    assert image['visibility'] == 'shared'
    assert image['owner'] == 'demo'
    assert image['protected'] is False
    assert image['tags'] == []
    assert (image['min_ram'], image['min_disk']) == (0, 0)
    for key in ('name', 'disk_format', 'container_format', 'size',
                'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value'):
        assert image[key] is None, key
    assert ISO_Z.match(image['created_at'])
    assert image['updated_at'] == image['created_at']
    assert image['self'] == '/v2/images/%s' % image['id']
    assert image['file'] == '/v2/images/%s/file' % image['id']
    assert image['schema'] == '/v2/schemas/image'
    assert resp.headers['Location'].endswith(image['self'])


def test_create_with_every_attribute_and_extra_properties(api):
    image_id = 'c1b4fb40-4bc3-4b3d-a4ce-cf1d3ec3cb69'
    image = api.create(
        id=image_id, name='cirros', disk_format='qcow2',
        container_format='bare', visibility='private', min_disk=1,
        min_ram=64, protected=True, tags=['b', 'a', 'b'], kernel_id=KERNEL,
        ramdisk_id=KERNEL, architecture='x86_64', hypervisor_type='qemu',
        os_distro='cirros')
    assert image['id'] == image_id
    assert image['tags'] == ['a', 'b']
    assert (image['min_disk'], image['min_ram'], image['protected']) == (
        1, 64, True)
    # Extra properties are flattened beside the attributes.
    assert image['kernel_id'] == KERNEL
    assert image['architecture'] == 'x86_64'
    assert image['hypervisor_type'] == 'qemu'
    assert api.get('/v2/images/%s' % image_id).json_or_none == image


@pytest.mark.parametrize('body,fragment', [
    ({'disk_format': 'vhdz'}, 'disk_format'),
    ({'container_format': 'zip'}, 'container_format'),
    ({'visibility': 'everyone'}, 'visibility'),
    ({'min_ram': -1}, 'min_ram'),
    ({'min_disk': 'big'}, 'min_disk'),
    ({'protected': 'yes'}, 'protected'),
    ({'name': 'x' * 256}, 'name'),
    ({'tags': 'a'}, 'tags'),
    ({'tags': ['x' * 256]}, 'tags'),
    ({'id': 'not-a-uuid'}, 'id'),
    ({'kernel_id': 'aki-1234'}, 'kernel_id'),
    ({'architecture': 64}, 'architecture'),
    ({'x' * 256: 'v'}, 'Property names'),
])
def test_create_rejects_bad_input_with_400(api, body, fragment):
    resp = api.post('/v2/images', body)
    assert resp.status_int == 400, resp.body
    assert fragment in resp.json_or_none['badRequest']['message']


@pytest.mark.parametrize('body', [b'', b'not json', b'[1, 2]', b'"name"'])
def test_create_rejects_a_body_that_is_no_object(api, body):
    resp = api.post('/v2/images', body, content_type='application/json')
    assert resp.status_int == 400
    assert resp.json_or_none['badRequest']['code'] == 400


@pytest.mark.parametrize('name', ['status', 'checksum', 'size', 'self',
                                  'created_at', 'os_hash_value',
                                  'virtual_size', 'file'])
def test_create_refuses_read_only_attributes(api, name):
    resp = api.post('/v2/images', {name: 'x'})
    assert resp.status_int == 403
    assert "'%s' is read-only" % name in resp.json_or_none['forbidden'][
        'message']


def test_create_refuses_reserved_attributes(api):
    resp = api.post('/v2/images', {'location': 'file:///etc/passwd'})
    assert resp.status_int == 403


def test_create_with_a_taken_id_is_409(api):
    image = api.create()
    resp = api.post('/v2/images', {'id': image['id']})
    assert resp.status_int == 409
    api.delete('/v2/images/%s' % image['id'])
    # Deleted ids are not reused either (clients cache by id).
    assert api.post('/v2/images', {'id': image['id']}).status_int == 409


def test_only_an_admin_makes_an_image_public(api, admin_api):
    resp = api.post('/v2/images', {'visibility': 'public'})
    assert resp.status_int == 403
    image = admin_api.create(visibility='public')
    assert image['owner'] == 'admin'


def test_members_may_make_community_images(api):
    assert api.create(visibility='community')['visibility'] == 'community'


def test_only_an_admin_sets_another_owner(api, admin_api):
    assert api.post('/v2/images', {'owner': 'other'}).status_int == 403
    assert api.create(owner='demo')['owner'] == 'demo'
    assert admin_api.create(owner='other')['owner'] == 'other'


# Show and isolation ------------------------------------------------------

def test_private_images_are_invisible_to_other_projects(api, other_api,
                                                        admin_api):
    image = api.create(name='mine', visibility='private')
    path = '/v2/images/%s' % image['id']
    resp = other_api.get(path)
    assert resp.status_int == 404
    assert resp.json_or_none['itemNotFound']['code'] == 404
    assert admin_api.get(path).status_int == 200
    # Nothing else reveals it either.
    assert other_api.delete(path).status_int == 404
    assert other_api.patch(path, []).status_int == 404
    assert other_api.get(path + '/file').status_int == 404
    assert other_api.put(path + '/file', b'x').status_int == 404
    assert other_api.put(path + '/tags/t').status_int == 404


def test_public_and_community_images_are_seen_but_not_changed(
        api, other_api, admin_api):
    public = admin_api.create(name='pub', visibility='public')
    community = api.create(name='com', visibility='community')
    for image in (public, community):
        path = '/v2/images/%s' % image['id']
        assert other_api.get(path).status_int == 200
        resp = other_api.patch(path, [{'op': 'replace', 'path': '/name',
                                       'value': 'x'}])
        assert resp.status_int == 403
        assert other_api.delete(path).status_int == 403
        assert other_api.put(path + '/file', b'x').status_int == 403
        assert other_api.put(path + '/tags/t').status_int == 403


def test_show_by_name_is_404_so_clients_fall_back_to_a_list(api):
    # openstackclient: GET /v2/images/NAME -> 404 -> GET ?name=NAME
    image = api.create(name='cirros')
    resp = api.get('/v2/images/cirros')
    assert resp.status_int == 404
    found = api.get('/v2/images?name=cirros').json_or_none['images']
    assert [i['id'] for i in found] == [image['id']]


# Update (JSON patch) -----------------------------------------------------

def _patch(client, image_id, *operations, **kw):
    return client.patch('/v2/images/%s' % image_id, list(operations), **kw)


def test_patch_adds_replaces_and_removes(api):
    image = api.create(name='a', kernel_id=KERNEL, os_distro='cirros')
    resp = _patch(api, image['id'],
                  {'op': 'replace', 'path': '/name', 'value': 'b'},
                  {'op': 'add', 'path': '/architecture', 'value': 'x86_64'},
                  {'op': 'add', 'path': '/os_distro', 'value': 'debian'},
                  {'op': 'replace', 'path': '/min_ram', 'value': 128},
                  {'op': 'replace', 'path': '/tags', 'value': ['z', 'y']},
                  {'op': 'add', 'path': '/protected', 'value': True},
                  {'op': 'remove', 'path': '/kernel_id'})
    assert resp.status_int == 200, resp.body
    updated = resp.json_or_none
    assert updated['name'] == 'b'
    assert updated['architecture'] == 'x86_64'
    assert updated['os_distro'] == 'debian'
    assert 'kernel_id' not in updated
    assert updated['min_ram'] == 128
    assert updated['tags'] == ['y', 'z']
    assert updated['protected'] is True
    assert api.get('/v2/images/%s' % image['id']).json_or_none == updated


def test_patch_with_the_v20_media_type(api):
    image = api.create(name='a')
    resp = _patch(api, image['id'], {'replace': '/name', 'value': 'b'},
                  {'add': '/ramdisk_id', 'value': KERNEL},
                  content_type='application/openstack-images-v2.0-json-patch')
    assert resp.status_int == 200, resp.body
    assert resp.json_or_none['name'] == 'b'
    assert resp.json_or_none['ramdisk_id'] == KERNEL


def test_patch_with_escaped_pointer(api):
    image = api.create()
    resp = _patch(api, image['id'], {'op': 'add', 'path': '/a~1b~0c',
                                     'value': 'v'})
    assert resp.json_or_none['a/b~c'] == 'v'


def test_patch_needs_the_json_patch_media_type(api):
    image = api.create()
    resp = _patch(api, image['id'], [], content_type='application/json')
    assert resp.status_int == 415
    assert 'application/openstack-images-v2.1-json-patch' in resp.headers[
        'Accept-Patch']


@pytest.mark.parametrize('operation,status', [
    ({'op': 'replace', 'path': '/status', 'value': 'active'}, 403),
    ({'op': 'replace', 'path': '/id', 'value': KERNEL}, 403),
    ({'op': 'add', 'path': '/size', 'value': 5}, 403),
    ({'op': 'remove', 'path': '/name'}, 403),
    ({'op': 'replace', 'path': '/missing', 'value': 'x'}, 409),
    ({'op': 'remove', 'path': '/missing'}, 409),
    ({'op': 'replace', 'path': '/min_ram', 'value': 'lots'}, 400),
    ({'op': 'replace', 'path': '/disk_format', 'value': 'floppy'}, 400),
    ({'op': 'add', 'path': '/extra', 'value': 5}, 400),
    ({'op': 'add', 'path': '/extra'}, 400),
    ({'op': 'move', 'path': '/name', 'value': 'x'}, 400),
    ({'op': 'add', 'path': 'name', 'value': 'x'}, 400),
    ({'op': 'add', 'path': '/a/b', 'value': 'x'}, 400),
    ('replace', 400),
])
def test_patch_refuses_bad_operations(api, operation, status):
    image = api.create(name='keep')
    resp = _patch(api, image['id'], operation)
    assert resp.status_int == status, resp.body
    assert resp.json_or_none[next(iter(resp.json_or_none))]['code'] == status
    assert api.get('/v2/images/%s' % image['id']).json_or_none[
        'name'] == 'keep'


def test_patch_body_must_be_a_list(api):
    image = api.create()
    for body in ({'op': 'add'}, b'nope'):
        resp = api.patch('/v2/images/%s' % image['id'], body)
        assert resp.status_int == 400


def test_patch_visibility_follows_policy(api, admin_api):
    image = api.create()
    op = {'op': 'replace', 'path': '/visibility', 'value': 'public'}
    assert _patch(api, image['id'], op).status_int == 403
    assert _patch(admin_api, image['id'], op).json_or_none[
        'visibility'] == 'public'
    op['value'] = 'private'
    assert _patch(api, image['id'], op).json_or_none[
        'visibility'] == 'private'


def test_patch_changes_updated_at_only(api):
    image = api.create(name='a')
    updated = _patch(api, image['id'], {'op': 'replace', 'path': '/name',
                                        'value': 'b'}).json_or_none
    assert updated['created_at'] == image['created_at']
    assert ISO_Z.match(updated['updated_at'])


# Delete -------------------------------------------------------------------

def test_delete(api):
    image = api.create()
    path = '/v2/images/%s' % image['id']
    resp = api.delete(path)
    assert resp.status_int == 204
    assert resp.body == b''
    assert api.get(path).status_int == 404
    assert api.delete(path).status_int == 404
    assert api.get('/v2/images').json_or_none['images'] == []


def test_protected_images_cannot_be_deleted(api):
    image = api.create(protected=True)
    path = '/v2/images/%s' % image['id']
    resp = api.delete(path)
    assert resp.status_int == 403
    assert 'protected' in resp.json_or_none['forbidden']['message']
    _patch(api, image['id'], {'op': 'replace', 'path': '/protected',
                              'value': False})
    assert api.delete(path).status_int == 204


def test_admin_deletes_any_image(api, admin_api):
    image = api.create(visibility='private')
    assert admin_api.delete('/v2/images/%s' % image['id']).status_int == 204


# Tags ---------------------------------------------------------------------

def test_tags(api):
    image = api.create(tags=['a'])
    path = '/v2/images/%s' % image['id']
    assert api.put(path + '/tags/b').status_int == 204
    assert api.put(path + '/tags/b').status_int == 204  # idempotent
    assert api.get(path).json_or_none['tags'] == ['a', 'b']
    assert api.delete(path + '/tags/a').status_int == 204
    assert api.get(path).json_or_none['tags'] == ['b']
    resp = api.delete(path + '/tags/a')
    assert resp.status_int == 404
    assert api.put(path + '/tags/' + 'x' * 256).status_int == 400
    assert api.put('/v2/images/%s/tags/a' % KERNEL).status_int == 404


# Deactivate / reactivate -----------------------------------------------------

def test_deactivate_and_reactivate(api, admin_api):
    image = api.create(disk_format='raw', container_format='bare')
    path = '/v2/images/%s' % image['id']
    # Only active images can be deactivated.
    resp = admin_api.post(path + '/actions/deactivate')
    assert resp.status_int == 400
    api.upload(image['id'], b'data')
    assert api.post(path + '/actions/deactivate').status_int == 403
    assert admin_api.post(path + '/actions/deactivate').status_int == 204
    assert api.get(path).json_or_none['status'] == 'deactivated'
    assert api.get(path + '/file').status_int == 403
    assert admin_api.get(path + '/file').body == b'data'
    assert api.post(path + '/actions/reactivate').status_int == 403
    assert admin_api.post(path + '/actions/reactivate').status_int == 204
    assert api.get(path).json_or_none['status'] == 'active'
    assert api.get(path + '/file').body == b'data'


def test_shared_images_reach_projects_that_accepted_them(api, other_api):
    from nimbus import context as nimbus_context
    from nimbus.db import models
    from nimbus.db import session as db_session

    image = api.create(name='shared', visibility='shared')
    path = '/v2/images/%s' % image['id']
    assert other_api.get(path).status_int == 404

    @db_session.writer
    def set_member(context, status):
        member = context.session.query(models.ImageMember).filter_by(
            image_id=image['id'], member='other').first()
        member = member or models.ImageMember(image_id=image['id'],
                                              member='other')
        member.status = status
        member.save(context.session)

    set_member(nimbus_context.get_admin_context(), 'pending')
    assert other_api.get(path).status_int == 404
    assert other_api.get('/v2/images').json_or_none['images'] == []
    set_member(nimbus_context.get_admin_context(), 'accepted')
    assert other_api.get(path).status_int == 200
    assert [i['id'] for i in other_api.get('/v2/images').json_or_none[
        'images']] == [image['id']]
    # A member may use the image, not change it.
    assert other_api.delete(path).status_int == 403
