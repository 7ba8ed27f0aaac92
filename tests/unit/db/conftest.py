"""Fixtures for the DB layer's unit tests: a fresh SQLite file per test."""

import shutil

from oslo_config import fixture as config_fixture
from oslo_db.sqlalchemy import enginefacade
import pytest

from nimbus.conf import CONF
from nimbus.db import migration
from nimbus.db import session


@enginefacade.transaction_context_provider
class FakeContext:
    """Stands in for nimbus.context.RequestContext: what the DB layer uses."""

    def __init__(self, project_id='fake-project', user_id='fake-user',
                 is_admin=True, read_deleted='no'):
        self.project_id = project_id
        self.user_id = user_id
        self.is_admin = is_admin
        self.read_deleted = read_deleted


@pytest.fixture
def db_conf():
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    yield fixture
    fixture.cleanUp()


@pytest.fixture(scope='session')
def schema_template(tmp_path_factory):
    """One migrated database per test run; each test gets a copy of it."""
    path = tmp_path_factory.mktemp('schema') / 'template.sqlite'
    migration.db_sync(engine_or_url='sqlite:///%s' % path)
    return path


@pytest.fixture
def database(tmp_path, db_conf, schema_template):
    """nimbus's engine pointed, through CONF, at a migrated SQLite file."""
    path = tmp_path / 'nimbus.sqlite'
    shutil.copyfile(schema_template, path)
    url = 'sqlite:///%s' % path
    db_conf.config(connection=url, group='database')
    session.reset()
    yield url
    session.reset()


@pytest.fixture
def context(database):
    return FakeContext()
