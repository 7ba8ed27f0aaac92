"""/os-keypairs: generate, import, list, show, delete; each user sees only
their own; the key_pairs quota; responses match tempest's schemas."""

import pytest

from nimbus.api.openstack.compute import keypair_crypto
from tests.functional.api.resource_fixtures import admin  # noqa: F401
from tests.functional.api.resource_fixtures import alice  # noqa: F401
from tests.functional.api.resource_fixtures import bob  # noqa: F401
from tests.functional.api.resource_fixtures import db  # noqa: F401
from tests.functional.api.resource_fixtures import fault
from tests.functional.api.resource_fixtures import version  # noqa: F401
from tests.functional.api.schema_check import assert_matches

V = '/v2.1/os-keypairs'

# An imported key and the fingerprint ssh-keygen -l -E md5 shows for it.
_, PUBLIC, FINGERPRINT = keypair_crypto.generate_ssh('imported')


def test_generate_show_list_delete(alice, version):  # noqa: F811
    resp = alice.post(V, body={'keypair': {'name': 'k1'}})
    assert_matches('keypairs.create_keypair', resp)
    key = resp.json_body_or_none['keypair']
    assert key['private_key'].startswith('-----BEGIN RSA PRIVATE KEY-----')
    assert key['public_key'].startswith('ssh-rsa ')
    assert key['user_id'] == 'alice'
    assert key['fingerprint'] == keypair_crypto.ssh_fingerprint(
        key['public_key'])
    if version != '2.1':
        assert key['type'] == 'ssh' and resp.status_int == 201
    resp = alice.get(V + '/k1')
    assert_matches('keypairs.get_keypair', resp)
    shown = resp.json_body_or_none['keypair']
    assert 'private_key' not in shown
    assert shown['public_key'] == key['public_key']
    resp = alice.get(V)
    assert_matches('keypairs.list_keypairs', resp)
    assert [k['keypair']['name'] for k in
            resp.json_body_or_none['keypairs']] == ['k1']
    resp = alice.delete(V + '/k1')
    assert_matches('keypairs.delete_keypair', resp)
    fault(alice.get(V + '/k1'), 404)
    fault(alice.delete(V + '/k1'), 404)


def test_import(alice):  # noqa: F811
    resp = alice.post(V, body={'keypair': {'name': 'imp',
                                           'public_key': PUBLIC}})
    assert_matches('keypairs.create_keypair', resp)
    key = resp.json_body_or_none['keypair']
    assert 'private_key' not in key
    assert key['fingerprint'] == FINGERPRINT
    assert key['public_key'] == PUBLIC
    fault(alice.post(V, body={'keypair': {'name': 'imp',
                                          'public_key': PUBLIC}}), 409)
    fault(alice.post(V, body={'keypair': {'name': 'bad',
                                          'public_key': 'ssh-rsa AAAA'}}),
          400)


def test_x509_from_2_2(alice, version):  # noqa: F811
    resp = alice.post(V, body={'keypair': {'name': 'cert', 'type': 'x509'}})
    if version == '2.1':
        fault(resp, 400)
        return
    assert_matches('keypairs.create_keypair', resp)
    key = resp.json_body_or_none['keypair']
    assert key['type'] == 'x509'
    assert key['public_key'].startswith('-----BEGIN CERTIFICATE-----')
    resp = alice.post(V, body={'keypair': {'name': 'cert2', 'type': 'x509',
                                           'public_key': key['public_key']}})
    assert resp.json_body_or_none['keypair']['fingerprint'] == (
        key['fingerprint'])
    listed = alice.get(V).json_body_or_none['keypairs']
    assert {k['keypair']['type'] for k in listed} == {'x509'}


def test_users_see_only_their_own(alice, bob, admin, version):  # noqa: F811
    alice.post(V, body={'keypair': {'name': 'mine', 'public_key': PUBLIC}})
    assert bob.get(V).json_body_or_none == {'keypairs': []}
    fault(bob.get(V + '/mine'), 404)
    fault(bob.delete(V + '/mine'), 404)
    # Same name, other user: allowed.
    assert bob.post(V, body={'keypair': {'name': 'mine'}}).status_int in (
        200, 201)
    if version == '2.1':
        fault(admin.get(V + '/mine'), 404)
        return
    # 2.10: an administrator names the user; others may not.
    assert admin.get(V + '/mine?user_id=alice').status_int == 200
    assert [k['keypair']['name'] for k in admin.get(
        V + '?user_id=alice').json_body_or_none['keypairs']] == ['mine']
    fault(bob.get(V + '/mine?user_id=alice'), 403)
    fault(bob.post(V, body={'keypair': {'name': 'x', 'user_id': 'alice'}}),
          403)
    resp = admin.post(V, body={'keypair': {'name': 'forced',
                                           'user_id': 'alice'}})
    assert resp.json_body_or_none['keypair']['user_id'] == 'alice'
    assert admin.delete(V + '/forced?user_id=alice').status_int == 204


def test_paging_from_2_35(alice, version):  # noqa: F811
    for name in ('a', 'b', 'c'):
        alice.post(V, body={'keypair': {'name': name, 'public_key': PUBLIC}})
    resp = alice.get(V + '?limit=2')
    names = [k['keypair']['name'] for k in resp.json_body_or_none['keypairs']]
    if version == '2.1':
        assert names == ['a', 'b', 'c']
        return
    assert names == ['a', 'b']
    assert 'marker=b' in resp.json_body_or_none['keypairs_links'][0]['href']
    assert [k['keypair']['name'] for k in alice.get(
        V + '?limit=2&marker=b').json_body_or_none['keypairs']] == ['c']
    fault(alice.get(V + '?marker=zzz'), 400)
    fault(alice.get(V + '?limit=x'), 400)


def test_paging_without_limit_stops_at_max_limit(alice, version,  # noqa
                                                 conf):
    conf.config(max_limit=2, group='api')
    for name in ('a', 'b', 'c'):
        alice.post(V, body={'keypair': {'name': name, 'public_key': PUBLIC}})
    body = alice.get(V).json_body_or_none
    names = [k['keypair']['name'] for k in body['keypairs']]
    if version == '2.1':
        assert names == ['a', 'b', 'c'] and 'keypairs_links' not in body
        return
    assert names == ['a', 'b']
    assert 'marker=b' in body['keypairs_links'][0]['href']


@pytest.mark.parametrize('body', [
    {}, {'keypair': {}}, {'keypair': {'name': ''}},
    {'keypair': {'name': 'a/b'}}, {'keypair': {'name': 'x' * 256}},
    {'keypair': {'name': 'k', 'public_key': 5}},
    {'keypair': {'name': 'k', 'type': 'pgp'}},
    {'keypair': {'name': 'k', 'extra': 1}}, {'keypair': 'k'}, [],
])
def test_bad_bodies(alice, body):  # noqa: F811
    fault(alice.post(V, body=body), 400)


def test_quota(alice, admin, conf):  # noqa: F811
    conf.config(key_pairs=2, group='quota')
    for name in ('a', 'b'):
        alice.post(V, body={'keypair': {'name': name, 'public_key': PUBLIC}})
    message = fault(alice.post(V, body={'keypair': {'name': 'c'}}), 403)
    assert 'Quota exceeded' in message
    alice.delete(V + '/a')
    assert alice.post(V, body={'keypair': {'name': 'c'}}).status_int in (
        200, 201)
