"""Malformed requests to os-floating-ips, os-floating-ip-pools,
os-security-groups and os-security-group-rules get a JSON 4xx fault,
never a 500 (ids beyond any column, NUL characters, wrong types)."""

import json

import pytest

from tests.functional.api.resource_fixtures import alice  # noqa: F401
from tests.functional.api.resource_fixtures import db  # noqa: F401
from tests.functional.api.resource_fixtures import version  # noqa: F401

HUGE = '9' * 30

REQUESTS = [
    ('GET', '/os-floating-ips/%s' % HUGE, None),
    ('GET', '/os-floating-ips/-1', None),
    ('GET', '/os-floating-ips/1.5', None),
    ('DELETE', '/os-floating-ips/%s' % HUGE, None),
    ('POST', '/os-floating-ips', b'\xff\xfe'),
    ('POST', '/os-floating-ips', b'[1]'),
    ('POST', '/os-floating-ips', {'pool': 'x\u0000'}),
    ('POST', '/os-floating-ips', {'pool': 'x' * 300}),
    ('GET', '/os-security-groups/%s' % HUGE, None),
    ('GET', '/os-security-groups/%00', None),
    ('PUT', '/os-security-groups/%s' % HUGE,
     {'security_group': {'name': 'a', 'description': 'b'}}),
    ('DELETE', '/os-security-groups/%s' % HUGE, None),
    ('POST', '/os-security-groups', b'null'),
    ('POST', '/os-security-groups', {'security_group': {
        'name': 'x\u0000', 'description': 'd'}}),
    ('POST', '/os-security-groups', {'security_group': {
        'name': 'x' * 256, 'description': 'd'}}),
    ('POST', '/os-security-groups', {'security_group': {
        'name': ' ', 'description': 'd'}}),
    ('POST', '/os-security-groups', {'security_group': {'name': 'x'}}),
    ('POST', '/os-security-group-rules', {'security_group_rule': {
        'parent_group_id': HUGE, 'ip_protocol': 'tcp', 'from_port': 1,
        'to_port': 2}}),
    ('POST', '/os-security-group-rules', {'security_group_rule': {
        'parent_group_id': 'abc'}}),
    ('POST', '/os-security-group-rules', {'security_group_rule': {
        'parent_group_id': 1, 'from_port': int(HUGE), 'to_port': 2,
        'ip_protocol': 'tcp'}}),
    ('DELETE', '/os-security-group-rules/%s' % HUGE, None),
    ('DELETE', '/os-security-group-rules/%00', None),
]


@pytest.mark.parametrize('method,path,body', REQUESTS)
def test_never_500(alice, method, path, body):  # noqa: F811
    kwargs = {}
    if body is not None:
        kwargs['body'] = body
    resp = alice.request(method, '/v2.1' + path, **kwargs)
    assert 400 <= resp.status_int < 500, (resp.status_int, resp.body[:300])
    fault = json.loads(resp.body)
    (detail,) = fault.values()
    assert detail['code'] == resp.status_int


def test_rules_of_a_real_group_never_500(alice):  # noqa: F811
    resp = alice.post('/v2.1/os-security-groups', body={'security_group': {
        'name': 'g', 'description': 'd'}})
    if resp.status_int == 404:   # the newest microversion: gone
        return
    group = resp.json_body_or_none['security_group']['id']
    for rule in ({'from_port': int(HUGE), 'to_port': 2, 'ip_protocol': 'tcp'},
                 {'from_port': 1, 'to_port': 2, 'ip_protocol': 'tcp',
                  'group_id': HUGE},
                 {'from_port': 1, 'to_port': 2, 'ip_protocol': 'tcp',
                  'cidr': 'x\u0000'},
                 {'from_port': 1, 'to_port': 2, 'ip_protocol': 'x\u0000'},
                 {'from_port': [], 'to_port': 2, 'ip_protocol': 'tcp'}):
        resp = alice.post('/v2.1/os-security-group-rules', body={
            'security_group_rule': dict(parent_group_id=group, **rule)})
        assert 400 <= resp.status_int < 500, (rule, resp.body[:300])
