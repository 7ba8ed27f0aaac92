"""Module-scoped backing services, for test modules that boot real guests
and share one cloud between their tests. Import the fixtures into the test
module (``from tests.integration.module_fixtures import keystone``); they
replace the function-scoped ``rabbit_url`` and ``mysql_url`` of
conftest.py there."""

import pytest

from tests.integration import backends
from tests.integration import keystone as keystone_harness


@pytest.fixture(scope='module')
def keystone(tmp_path_factory):
    ks = keystone_harness.Keystone(str(tmp_path_factory.mktemp('keystone')))
    ks.start()
    try:
        yield ks
    finally:
        ks.stop()


@pytest.fixture(scope='module')
def rabbit_url():
    with backends.rabbit_vhost() as url:
        yield url


@pytest.fixture(scope='module')
def mysql_url():
    with backends.mysql_database() as url:
        yield url
