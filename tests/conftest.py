"""Fixtures shared by every test layer.

Configuration goes through the oslo.config fixture (never poked directly);
each test gets its own state directory, SQLite database and fake:// bus.
"""

import pytest
from oslo_config import fixture as config_fixture

from nimbus import config
from nimbus.conf import CONF
from nimbus.db import session as db_session
from nimbus import objects
from nimbus import rpc


@pytest.fixture
def conf(tmp_path):
    """The global CONF, parsed with no files, reset after the test."""
    config.register_logging_opts(CONF)
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    CONF([], project='nimbus', default_config_files=[])
    fixture.config(state_path=str(tmp_path), host='test-host',
                   report_interval=1, service_down_time=5,
                   periodic_interval=1, graceful_shutdown_timeout=10)
    fixture.config(connection='sqlite:///%s/nimbus.sqlite' % tmp_path,
                   group='database')
    fixture.config(auth_strategy='noauth2', group='api')
    objects.register_all()
    db_session.reset()
    yield fixture
    db_session.reset()
    fixture.cleanUp()


@pytest.fixture
def fake_rpc(conf):
    """An in-process fake:// transport of this test's own."""
    rpc.init(CONF, url='fake://')
    yield rpc.TRANSPORT
    rpc.cleanup()
