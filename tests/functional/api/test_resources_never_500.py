"""Malformed requests to the flavor, key pair, quota, limits, zone,
service and hypervisor APIs get a JSON 4xx fault, never a 500."""

import json

import pytest

from tests.functional.api.resource_fixtures import admin  # noqa: F401
from tests.functional.api.resource_fixtures import alice  # noqa: F401
from tests.functional.api.resource_fixtures import db  # noqa: F401
from tests.functional.api.resource_fixtures import version  # noqa: F401

V = '/v2.1'
HUGE = '9' * 30

REQUESTS = [
    ('GET', '/flavors?limit=%s' % HUGE, None),
    ('GET', '/flavors/detail?minDisk=%s&minRam=1.5' % HUGE, None),
    ('GET', '/flavors?sort_key=extra_specs', None),
    ('GET', '/flavors?marker=%00', None),
    ('GET', '/flavors/%s' % ('x' * 5000), None),
    ('POST', '/flavors', b'\xff\xfe'),
    ('POST', '/flavors', b'null'),
    ('POST', '/flavors', {'flavor': {'name': 'x', 'ram': HUGE, 'vcpus': 1,
                                     'disk': 1}}),
    ('POST', '/flavors', {'flavor': {'name': 'x', 'ram': 1, 'vcpus': 1,
                                     'disk': 1, 'rxtx_factor': '1e999'}}),
    ('POST', '/flavors', {'flavor': {'name': 'x\u0000', 'ram': 1,
                                     'vcpus': 1, 'disk': 1}}),
    ('PUT', '/flavors/1', {}),
    ('POST', '/flavors/1/action', b'[1]'),
    ('POST', '/flavors/1/os-extra_specs', {'extra_specs': None}),
    ('PUT', '/flavors/1/os-extra_specs/a', b'"a"'),
    ('DELETE', '/flavors/1/os-extra_specs/%s' % ('k' * 300), None),
    ('POST', '/os-keypairs', {'keypair': {'name': 'k',
                                          'public_key': 'x' * 100000}}),
    ('POST', '/os-keypairs', {'keypair': {'name': 'k', 'type': 'x509',
                                          'public_key': 'not a cert'}}),
    ('POST', '/os-keypairs', {'keypair': {'name': '\u00e9t\u00e9'}}),
    ('GET', '/os-keypairs?limit=%s&marker=' % HUGE, None),
    ('GET', '/os-keypairs/%s' % ('k' * 5000), None),
    ('PUT', '/os-quota-sets/p1', {'quota_set': {'instances': HUGE}}),
    ('PUT', '/os-quota-sets/p1', {'quota_set': None}),
    ('PUT', '/os-quota-sets/p1', {'quota_set': {'force': None}}),
    ('PUT', '/os-quota-class-sets/default', {'quota_class_set': {
        'cores': -7}}),
    ('GET', '/limits?tenant_id=', None),
    ('PUT', '/os-services/enable', {'host': None, 'binary': 'b'}),
    ('PUT', '/os-services/disable-log-reason', {
        'host': 'h', 'binary': 'b', 'disabled_reason': 'x' * 300}),
    ('PUT', '/os-services/force-down', {'host': 'h', 'binary': 'b',
                                        'forced_down': 'yes'}),
    ('DELETE', '/os-services/%s' % HUGE, None),
    ('GET', '/os-hypervisors?limit=%s&marker=x' % HUGE, None),
    ('GET', '/os-hypervisors/%s' % HUGE, None),
    ('GET', '/os-hypervisors/%25/servers', None),
    ('GET', '/os-hosts/%s' % ('h' * 3000), None),
]


@pytest.mark.parametrize('method,path,body', REQUESTS)
def test_never_500(admin, alice, method, path, body):  # noqa: F811
    for client in (admin, alice):
        resp = client.request(method, V + path, body=body)
        assert 200 <= resp.status_int < 500, (resp.status_int, resp.body)
        if resp.status_int >= 400:
            fault = json.loads(resp.body)
            (detail,) = fault.values()
            assert detail['code'] == resp.status_int
