import shutil

import pytest

from nimbus.db import migration
from nimbus.db import session as db_session


@pytest.fixture(autouse=True)
def _conf(conf):
    """Every scheduler unit test runs on a parsed CONF of its own."""
    return conf


@pytest.fixture(scope='session')
def _schema_template(tmp_path_factory):
    path = tmp_path_factory.mktemp('scheduler-schema') / 'template.sqlite'
    migration.db_sync(engine_or_url='sqlite:///%s' % path)
    return path


@pytest.fixture
def database(conf, tmp_path, _schema_template):
    """The conf fixture's SQLite file, migrated (a copy of a template)."""
    shutil.copyfile(_schema_template, tmp_path / 'nimbus.sqlite')
    db_session.reset()
    yield
    db_session.reset()
