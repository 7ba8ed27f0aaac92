"""Fixtures of the API resource tests: a migrated database and clients
for an administrator, two users of one project and one of another, at
microversion 2.1 or the newest."""

import pytest

from nimbus.api.openstack import api_version
from nimbus.db import migration
from tests.functional.api.conftest import Client


@pytest.fixture
def db(conf):
    migration.db_sync()


@pytest.fixture(params=['2.1', 'latest'])
def version(request):
    """Every scenario at 2.1 and at the newest microversion."""
    return (api_version.MAX_VERSION if request.param == 'latest'
            else request.param)


@pytest.fixture
def admin(compute_app, db, version):
    return Client(compute_app, token='admin:admin', version=version)


@pytest.fixture
def alice(compute_app, db, version):
    return Client(compute_app, token='alice:p1', version=version)


@pytest.fixture
def bob(compute_app, db, version):
    return Client(compute_app, token='bob:p1', version=version)


@pytest.fixture
def carol(compute_app, db, version):
    return Client(compute_app, token='carol:p2', version=version)


def fault(resp, code):
    """Assert a JSON fault with this code; returns its message."""
    assert resp.status_int == code, (resp.status_int, resp.body[:500])
    body = resp.json_body_or_none
    assert body and len(body) == 1, body
    (detail,) = body.values()
    assert detail['code'] == code and detail['message'], body
    return detail['message']
