"""GET /v2/images: isolation, the filters clients send, sorting, paging."""

import urllib.parse

import pytest


def _ids(resp):
    assert resp.status_int == 200, resp.body
    return [image['id'] for image in resp.json_or_none['images']]


@pytest.fixture
def images(api, other_api, admin_api):
    """A few images of three projects; returns {name: document}."""
    made = {}
    made['raw'] = api.create(name='raw', disk_format='raw',
                             container_format='bare', visibility='private',
                             tags=['t1', 't2'], os_distro='debian')
    made['qcow'] = api.create(name='qcow', disk_format='qcow2',
                              container_format='bare', min_ram=512,
                              tags=['t1'])
    made['kernel'] = api.create(name='kernel', disk_format='aki',
                                container_format='aki', visibility='private')
    made['community'] = other_api.create(name='community',
                                         visibility='community')
    made['other'] = other_api.create(name='other', visibility='private')
    made['public'] = admin_api.create(name='public', visibility='public',
                                      disk_format='iso',
                                      container_format='bare')
    api.upload(made['raw']['id'], b'x' * 100)
    return made


def test_list_shape(api, images):
    body = api.get('/v2/images').json_or_none
    assert set(body) == {'images', 'first', 'schema'}
    assert body['first'] == '/v2/images'
    assert body['schema'] == '/v2/schemas/images'


def test_each_project_lists_its_own_and_public_images(api, other_api,
                                                      admin_api, images):
    mine = {images[n]['id'] for n in ('raw', 'qcow', 'kernel', 'public')}
    assert set(_ids(api.get('/v2/images'))) == mine
    # Community images are not listed unless asked for.
    assert set(_ids(other_api.get('/v2/images'))) == {
        images['other']['id'], images['community']['id'],
        images['public']['id']}
    assert set(_ids(admin_api.get('/v2/images'))) == {
        i['id'] for i in images.values()}


def test_default_order_is_newest_first(api, images):
    names = [i['name'] for i in api.get('/v2/images').json_or_none['images']]
    assert names == ['public', 'kernel', 'qcow', 'raw']


@pytest.mark.parametrize('query,names', [
    ('name=qcow', {'qcow'}),
    ('name=in:qcow,raw', {'qcow', 'raw'}),
    ('status=active', {'raw'}),
    ('status=queued', {'qcow', 'kernel', 'public'}),
    ('visibility=private', {'raw', 'kernel'}),
    ('visibility=public', {'public'}),
    ('visibility=shared', {'qcow'}),
    ('visibility=community', {'community'}),
    ('visibility=all', {'raw', 'qcow', 'kernel', 'public', 'community'}),
    ('owner=admin', {'public'}),
    ('owner=other', set()),
    ('disk_format=aki', {'kernel'}),
    ('disk_format=in:raw,qcow2', {'raw', 'qcow'}),
    ('container_format=bare', {'raw', 'qcow', 'public'}),
    ('tag=t1', {'raw', 'qcow'}),
    ('tag=t1&tag=t2', {'raw'}),
    ('os_distro=debian', {'raw'}),
    ('size_min=50', {'raw'}),
    ('size_max=50', set()),
    ('min_ram=512', {'qcow'}),
    ('protected=false', {'raw', 'qcow', 'kernel', 'public'}),
    ('name=nothing', set()),
])
def test_filters(api, images, query, names):
    found = api.get('/v2/images?' + query).json_or_none['images']
    assert {i['name'] for i in found} == names


def test_filter_by_ids(api, images):
    # openstackclient's server list: GET /v2/images?id=in:a,b
    wanted = [images['raw']['id'], images['public']['id'],
              images['other']['id']]
    found = _ids(api.get('/v2/images?id=in:' + ','.join(wanted)))
    assert set(found) == set(wanted[:2])
    assert _ids(api.get('/v2/images?id=' + wanted[0])) == [wanted[0]]


def test_rally_lists_active_images(api, images):
    assert _ids(api.get('/v2/images?status=active&limit=200')) == [
        images['raw']['id']]


@pytest.mark.parametrize('query', [
    'sort_key=name&sort_dir=asc', 'sort=name:asc', 'sort=name:asc,id',
])
def test_sort_by_name(api, images, query):
    names = [i['name'] for i in api.get('/v2/images?' + query).json_or_none[
        'images']]
    assert names == ['kernel', 'public', 'qcow', 'raw']


def test_sort_by_two_keys(api, images):
    resp = api.get('/v2/images?sort_key=disk_format&sort_key=name'
                   '&sort_dir=desc&sort_dir=asc')
    names = [i['name'] for i in resp.json_or_none['images']]
    assert names == ['raw', 'qcow', 'public', 'kernel']


def test_paging_follows_next_links(api, images):
    seen = []
    path = '/v2/images?limit=3&sort_key=name&sort_dir=asc'
    pages = 0
    while path:
        body = api.get(path).json_or_none
        assert body['first'] == '/v2/images?limit=3&sort_key=name&sort_dir=asc'
        seen.extend(i['name'] for i in body['images'])
        path = body.get('next')
        pages += 1
        if path:
            query = dict(urllib.parse.parse_qsl(path.split('?', 1)[1]))
            assert query['marker'] == body['images'][-1]['id']
            assert query['limit'] == '3'
    assert seen == ['kernel', 'public', 'qcow', 'raw']
    assert pages == 2


def test_limit_is_capped_by_api_limit_max(api, images, conf):
    conf.config(api_limit_max=2, group='image')
    body = api.get('/v2/images?limit=100').json_or_none
    assert len(body['images']) == 2
    assert 'next' in body


def test_default_limit(api, images, conf):
    conf.config(limit_param_default=1, group='image')
    assert len(api.get('/v2/images').json_or_none['images']) == 1


@pytest.mark.parametrize('query,fragment', [
    ('limit=-1', 'limit'),
    ('limit=ten', 'limit'),
    ('sort_key=checksumz', 'sort key'),
    ('sort_dir=up', 'sort direction'),
    ('sort=name:sideways', 'sort direction'),
    ('sort=name&sort_key=id', 'sort'),
    ('sort_key=name&sort_key=id&sort_dir=asc&sort_dir=asc&sort_dir=asc',
     'sort dirs'),
    ('visibility=everyone', 'visibility'),
    ('protected=maybe', 'protected'),
    ('size_min=big', 'size_min'),
    ('marker=8e8e9c54-5a4b-4c56-8b3e-4e1bcb5b0c9e', 'marker'),
    ('created_at=gt:2020-01-01T00:00:00Z', 'created_at'),
])
def test_bad_queries_are_400(api, images, query, fragment):
    resp = api.get('/v2/images?' + query)
    assert resp.status_int == 400, resp.body
    assert fragment in resp.json_or_none['badRequest']['message']


def test_marker_of_an_invisible_image_is_400(other_api, images):
    resp = other_api.get('/v2/images?marker=%s' % images['raw']['id'])
    assert resp.status_int == 400
