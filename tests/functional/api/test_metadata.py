"""The metadata API in one process: each instance reads its own data,
found by its fixed IP; a forged X-Forwarded-For is ignored unless
use_forwarded_for is set; an unknown address gets 404."""

import base64
import json

import pytest
import webob

from nimbus import context as nimbus_context
from nimbus.network import floating_ips
from nimbus import wsgi as nimbus_wsgi
from tests.functional.cloud import cloud  # noqa: F401
from tests.functional.cloud import glance  # noqa: F401
from tests.functional.cloud import image_db  # noqa: F401
from tests.functional.cloud import image_server  # noqa: F401

USER_DATA = b'#!/bin/sh\necho hello from user data\n'


@pytest.fixture
def metadata(cloud):  # noqa: F811
    app = nimbus_wsgi.load_app('metadata')

    def get(path, remote, headers=None):
        req = webob.Request.blank(path, remote_addr=remote,
                                  headers=headers or {})
        return req.get_response(app)
    return get


def _fixed(cloud, server_id):
    server = cloud.api.get('/v2.1/servers/%s' % server_id).json_body_or_none[
        'server']
    return server['addresses']['private'][0]['addr']


@pytest.fixture
def two(cloud):  # noqa: F811
    resp = cloud.api.post('/v2.1/os-keypairs', body={'keypair': {
        'name': 'k1'}})
    public_key = resp.json_body_or_none['keypair']['public_key']
    first = cloud.boot('first', key_name='k1', metadata={'role': 'db'},
                       user_data=base64.b64encode(USER_DATA).decode())
    second = cloud.boot('second')
    cloud.wait_for_status(first, ('ACTIVE',))
    cloud.wait_for_status(second, ('ACTIVE',))
    return {'first': (first, _fixed(cloud, first)),
            'second': (second, _fixed(cloud, second)),
            'public_key': public_key}


def test_ec2_tree_of_the_requesting_instance(cloud, metadata, two):
    first_id, first_ip = two['first']
    second_id, second_ip = two['second']
    resp = metadata('/', first_ip)
    assert resp.status_int == 200
    assert resp.text.splitlines()[-2:] == ['2009-04-04', 'latest']
    resp = metadata('/latest/', first_ip)
    assert resp.text.splitlines() == ['meta-data/', 'user-data']
    listing = metadata('/latest/meta-data/', first_ip).text.splitlines()
    for key in ('ami-id', 'hostname', 'instance-id', 'instance-type',
                'local-hostname', 'local-ipv4', 'placement/',
                'public-ipv4', 'public-keys/', 'reservation-id',
                'security-groups'):
        assert key in listing
    assert metadata('/latest/meta-data/local-ipv4', first_ip).text == (
        first_ip)
    instance_id = metadata('/latest/meta-data/instance-id', first_ip).text
    assert instance_id.startswith('i-') and len(instance_id) == 10
    assert metadata('/2009-04-04/meta-data/instance-id',
                    first_ip).text == instance_id
    assert metadata('/latest/meta-data/instance-id',
                    second_ip).text != instance_id
    assert metadata('/latest/meta-data/ami-id',
                    first_ip).text.startswith('ami-')
    assert metadata('/latest/meta-data/hostname', first_ip).text == (
        'first.novalocal')
    assert metadata('/latest/meta-data/instance-type',
                    first_ip).text == 'm1.tiny'
    assert metadata('/latest/meta-data/security-groups',
                    first_ip).text == 'default'
    assert metadata('/latest/meta-data/placement/availability-zone',
                    first_ip).status_int == 200
    assert metadata('/latest/meta-data/public-keys/',
                    first_ip).text == '0=k1'
    assert metadata('/latest/meta-data/public-keys/0/',
                    first_ip).text == 'openssh-key'
    assert metadata('/latest/meta-data/public-keys/0/openssh-key',
                    first_ip).text == two['public_key']
    # The second has no key and no user data.
    assert metadata('/latest/meta-data/public-keys/',
                    second_ip).status_int == 404
    assert metadata('/latest/user-data', second_ip).status_int == 404
    assert metadata('/latest/', second_ip).text == 'meta-data/'
    resp = metadata('/latest/user-data', first_ip)
    assert resp.status_int == 200 and resp.body == USER_DATA
    for bad in ('/latest/meta-data/nope', '/1999-01-01/meta-data/',
                '/latest/meta-data/local-ipv4/x', '/latest/nope',
                '/latest/meta-data/public-keys/0/_name'):
        assert metadata(bad, first_ip).status_int == 404, bad


def test_public_ipv4_is_the_floating_ip(cloud, metadata, two, conf):
    conf.config(metadata_cache_expiration=0, group='api')
    floating_ips.create_range('172.24.4.0/30',
                              context=nimbus_context.get_admin_context())
    first_id, first_ip = two['first']
    assert metadata('/latest/meta-data/public-ipv4', first_ip).text == ''
    address = cloud.api.post('/v2.1/os-floating-ips').json_body_or_none[
        'floating_ip']['ip']
    assert cloud.api.post('/v2.1/servers/%s/action' % first_id, body={
        'addFloatingIp': {'address': address}}).status_int == 202
    assert metadata('/latest/meta-data/public-ipv4', first_ip).text == (
        address)


def test_openstack_tree(cloud, metadata, two):
    first_id, first_ip = two['first']
    assert metadata('/openstack', first_ip).text.splitlines()[-1] == (
        'latest')
    assert metadata('/openstack/latest/', first_ip).text.splitlines() == [
        'meta_data.json', 'network_data.json', 'user_data',
        'vendor_data.json']
    meta = json.loads(metadata('/openstack/latest/meta_data.json',
                               first_ip).text)
    assert meta['uuid'] == first_id
    assert meta['name'] == 'first' and meta['meta'] == {'role': 'db'}
    assert meta['public_keys'] == {'k1': two['public_key']}
    assert meta['keys'] == [{'name': 'k1', 'type': 'ssh',
                             'data': two['public_key']}]
    assert meta['project_id'] == 'demo' and meta['random_seed']
    old = json.loads(metadata('/openstack/2012-08-10/meta_data.json',
                              first_ip).text)
    assert 'random_seed' not in old and 'project_id' not in old
    assert metadata('/openstack/2012-08-10/network_data.json',
                    first_ip).status_int == 404
    assert metadata('/openstack/latest/user_data', first_ip).body == (
        USER_DATA)
    assert json.loads(metadata('/openstack/latest/vendor_data.json',
                               first_ip).text) == {}

    network = json.loads(metadata('/openstack/latest/network_data.json',
                                  first_ip).text)
    server = cloud.api.get('/v2.1/servers/%s' % first_id).json_body_or_none[
        'server']
    mac = server['addresses']['private'][0]['OS-EXT-IPS-MAC:mac_addr']
    (link,) = network['links']
    assert link['ethernet_mac_address'] == mac
    (net,) = network['networks']
    assert (net['type'], net['ip_address'], net['netmask'], net['link']) == (
        'ipv4', first_ip, '255.255.255.0', link['id'])
    assert net['routes'] == [{'network': '0.0.0.0', 'netmask': '0.0.0.0',
                              'gateway': '10.0.0.1'}]
    second_id, second_ip = two['second']
    assert metadata('/openstack/latest/user_data', second_ip).status_int == (
        404)
    assert json.loads(metadata('/openstack/latest/meta_data.json',
                               second_ip).text)['uuid'] == second_id


def test_unknown_address_gets_404(cloud, metadata, two):
    for path in ('/latest/meta-data/', '/openstack/latest/meta_data.json',
                 '/latest/user-data'):
        assert metadata(path, '192.0.2.99').status_int == 404
    # The gateway is a fixed IP of no instance.
    assert metadata('/latest/meta-data/', '10.0.0.1').status_int == 404


def test_forged_forwarded_for_is_ignored(cloud, metadata, two, conf):
    first_id, first_ip = two['first']
    second_id, second_ip = two['second']
    forged = {'X-Forwarded-For': first_ip}
    resp = metadata('/openstack/latest/meta_data.json', second_ip, forged)
    assert json.loads(resp.text)['uuid'] == second_id
    assert metadata('/latest/user-data', second_ip, forged).status_int == 404
    assert metadata('/latest/meta-data/', '192.0.2.99',
                    forged).status_int == 404
    # Behind a trusted proxy the header is the source.
    conf.config(use_forwarded_for=True, group='api')
    resp = metadata('/openstack/latest/meta_data.json', '127.0.0.1',
                    {'X-Forwarded-For': '%s, 127.0.0.1' % first_ip})
    assert json.loads(resp.text)['uuid'] == first_id


def test_lookups_are_cached(cloud, metadata, two, monkeypatch):
    from nimbus.api.metadata import handler
    first_id, first_ip = two['first']
    calls = []
    real = handler.instance_metadata_for_address

    def counting(address):
        calls.append(address)
        return real(address)
    monkeypatch.setattr(handler, 'instance_metadata_for_address', counting)
    for _ in range(5):
        assert metadata('/latest/meta-data/local-ipv4',
                        first_ip).status_int == 200
    assert calls == [first_ip]


def test_only_reads(cloud, metadata, two):
    first_id, first_ip = two['first']
    req = webob.Request.blank('/latest/meta-data/', remote_addr=first_ip,
                              method='POST')
    assert req.get_response(nimbus_wsgi.load_app('metadata')).status_int == (
        405)
