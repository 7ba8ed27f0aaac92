"""Fixtures: a fresh database per test on each backend, and nimbus's engine
pointed at it."""

import pytest

from nimbus.db import session
from tests.integration.db import databases


@pytest.fixture(params=databases.BACKENDS)
def db_url(request, tmp_path):
    """The URL of an empty database on each backend in turn."""
    with databases.create(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def nimbus_db(db_url):
    """nimbus's own engine pointed at the test's database."""
    session.configure(connection=db_url)
    try:
        yield db_url
    finally:
        # Close pooled connections before the database is dropped.
        session.reset()
