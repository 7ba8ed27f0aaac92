"""The enginefacade set-up: configuration, reset, SQLite tuning."""

import threading

from oslo_db import exception as db_exc
import pytest
import sqlalchemy as sa

from nimbus.db.api import service as service_db
from nimbus.db import migration
from nimbus.db import models
from nimbus.db import session
from tests.unit.db.conftest import FakeContext


def test_engine_follows_conf_after_reset(tmp_path, db_conf):
    for name in ('a.sqlite', 'b.sqlite'):
        url = 'sqlite:///%s' % (tmp_path / name)
        db_conf.config(connection=url, group='database')
        session.reset()
        assert str(session.get_engine().url) == url
    session.reset()


def test_configure_overrides_conf(tmp_path, db_conf):
    db_conf.config(connection='sqlite:///%s' % (tmp_path / 'conf.sqlite'),
                   group='database')
    url = 'sqlite:///%s' % (tmp_path / 'explicit.sqlite')
    session.configure(connection=url)
    try:
        assert str(session.get_engine().url) == url
    finally:
        session.reset()


def test_decorated_functions_use_the_new_engine(tmp_path, db_conf):
    context = FakeContext()
    for host in ('first', 'second'):
        url = 'sqlite:///%s' % (tmp_path / ('%s.sqlite' % host))
        db_conf.config(connection=url, group='database')
        session.reset()
        migration.db_sync()
        service_db.service_create(context, {'host': host, 'binary': 'b'})
        assert [s['host'] for s in service_db.service_get_all(context)] == [
            host]
    session.reset()


def test_sqlite_file_pragmas(context):
    with session.reader.using(context) as db_session:
        def pragma(name):
            return db_session.execute(sa.text('PRAGMA %s' % name)).scalar()
        assert pragma('busy_timeout') == session.SQLITE_BUSY_TIMEOUT_MS
        assert pragma('journal_mode') == 'wal'
        assert pragma('foreign_keys') == 1


def test_sqlite_enforces_foreign_keys(context):
    with pytest.raises(db_exc.DBReferenceError):
        with session.writer.using(context) as db_session:
            models.InstanceMetadata(
                instance_uuid='00000000-0000-0000-0000-000000000000',
                key='k', value='v').save(db_session)


def test_in_memory_sqlite_works(db_conf):
    session.configure(connection='sqlite://')
    try:
        migration.db_sync()
        context = FakeContext()
        service_db.service_create(context, {'host': 'h', 'binary': 'b'})
        assert len(service_db.service_get_all(context)) == 1
    finally:
        session.reset()


def test_concurrent_read_then_write_transactions_do_not_fail(context):
    # Regression: with a deferred BEGIN, a transaction that reads and then
    # writes fails with "database is locked" as soon as another thread
    # wrote in between; nimbus-all does exactly this from several threads.
    errors = []

    @session.writer
    def count_then_insert(ctx, n):
        count = ctx.session.scalar(
            sa.select(sa.func.count()).select_from(models.Service))
        models.Service(host='h%d-%d' % (n, count), binary='b').save(
            ctx.session)

    def work(n):
        try:
            for _ in range(10):
                count_then_insert(FakeContext(), n)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(service_db.service_get_all(context)) == 60
