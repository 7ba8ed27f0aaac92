"""The pings and ROLLBACKs nimbus's engines leave out (see
nimbus.db.session._ping_only_when_idle and _skip_needless_rollback), on
SQLite connections that record what the pool asks of them. The same on
MariaDB and PostgreSQL, counted by the servers: tests/integration/db/
test_round_trips.py."""

import sqlite3

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from nimbus.db import session


class RecordingConnection:
    """A sqlite3 connection that records its commits and rollbacks; its
    commits raise ``commit_error`` when set."""

    def __init__(self, path, calls):
        object.__setattr__(self, '_connection', sqlite3.connect(
            path, check_same_thread=False))
        object.__setattr__(self, '_calls', calls)
        object.__setattr__(self, 'commit_error', None)

    def __getattr__(self, name):
        return getattr(self._connection, name)

    def __setattr__(self, name, value):
        setattr(self._connection, name, value)

    def commit(self):
        self._calls.append('commit')
        if self.commit_error is not None:
            raise self.commit_error
        self._connection.commit()

    def rollback(self):
        self._calls.append('rollback')
        self._connection.rollback()


@pytest.fixture
def calls():
    return []


@pytest.fixture
def engine(tmp_path, calls, monkeypatch):
    """A pool of one recording connection, tuned as nimbus tunes its
    engines; pings are counted in ``engine.pings``."""
    path = str(tmp_path / 'db.sqlite')
    made = []

    def connect():
        made.append(RecordingConnection(path, calls))
        return made[-1]

    engine = sa.create_engine('sqlite://', creator=connect,
                              poolclass=sa.pool.QueuePool, pool_size=1,
                              max_overflow=0, pool_pre_ping=True)
    # Tuned before its first connect, as oslo.db's engines are when
    # max_retries is 0: the dialect's first checks go through the wrappers.
    session._save_round_trips(engine)
    engine.made = made
    engine.pings = []
    do_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, 'do_ping',
                        lambda c: engine.pings.append(c) or do_ping(c))
    with engine.begin() as connection:
        connection.execute(sa.text('CREATE TABLE t (v INTEGER)'))
    calls.clear()
    yield engine
    engine.dispose()


def test_pre_ping_attribute_exists_and_stays_off():
    # The guard for the private Pool._pre_ping: it must exist under this
    # name (a renamed one would leave oslo.db's pre-ping on, silently).
    assert sa.create_engine('sqlite://', pool_pre_ping=True).pool._pre_ping
    session.configure(connection='sqlite://')
    try:
        engine = session.get_engine()
        assert engine.pool._pre_ping is False
        engine.dispose()
        assert engine.pool._pre_ping is False
        assert engine.pool.recreate()._pre_ping is False
    finally:
        session.reset()


def test_writer_is_not_rolled_back_after_its_commit(engine, calls):
    with engine.begin() as connection:
        connection.execute(sa.text('INSERT INTO t VALUES (1)'))
    assert calls == ['commit']


def test_reader_is_rolled_back_once(engine, calls):
    with engine.connect() as connection:
        connection.execute(sa.text('SELECT * FROM t')).all()
    assert calls == ['rollback']
    # Session.close() rolls back, then the pool would roll back again.
    with orm.Session(engine) as db_session:
        db_session.execute(sa.text('SELECT * FROM t')).all()
    assert calls == ['rollback', 'rollback']


def test_transaction_after_a_commit_is_rolled_back(engine, calls):
    with engine.connect() as connection:
        connection.execute(sa.text('INSERT INTO t VALUES (1)'))
        connection.commit()
        connection.execute(sa.text('SELECT * FROM t')).all()
    assert calls == ['commit', 'rollback']


def test_only_a_successful_commit_spares_the_rollback(engine, calls):
    # At the dialect, as the pool calls it: SQLAlchemy itself sends no
    # ROLLBACK when a Connection is closed after its COMMIT raised.
    proxy = engine.raw_connection()
    try:
        engine.dialect.do_commit(proxy)
        engine.dialect.do_rollback(proxy)
        assert calls == ['commit']
        object.__setattr__(engine.made[0], 'commit_error',
                           sqlite3.OperationalError('disk I/O error'))
        with pytest.raises(sqlite3.OperationalError):
            engine.dialect.do_commit(proxy)
        engine.dialect.do_rollback(proxy)
        assert calls == ['commit', 'commit', 'rollback']
    finally:
        object.__setattr__(engine.made[0], 'commit_error', None)
        proxy.close()


def test_raw_connection_is_rolled_back(engine, calls):
    # A connection closed inside its transaction rolls it back itself
    # (the pool skips its reset); what is checked out next, here without
    # any begin event, is nonetheless rolled back when it comes back.
    with engine.connect() as connection:
        connection.execute(sa.text('SELECT * FROM t')).all()
    raw = engine.raw_connection()
    raw.cursor().execute('INSERT INTO t VALUES (1)')
    raw.close()
    assert calls == ['rollback', 'rollback']


def test_only_an_idle_connection_is_pinged(engine, monkeypatch):
    monkeypatch.setattr(session, 'PING_IF_IDLE_FOR', 3600)
    for _ in range(3):
        with engine.connect() as connection:
            connection.execute(sa.text('SELECT 1'))
    assert engine.pings == []
    monkeypatch.setattr(session, 'PING_IF_IDLE_FOR', 0)
    with engine.connect() as connection:
        connection.execute(sa.text('SELECT 1'))
    assert len(engine.pings) == 1


def test_dead_idle_connection_is_replaced_at_checkout(engine, monkeypatch):
    monkeypatch.setattr(session, 'PING_IF_IDLE_FOR', 0)
    engine.made[0]._connection.close()
    with engine.connect() as connection:
        assert connection.execute(sa.text('SELECT 1')).scalar() == 1
    assert len(engine.made) == 2
    assert len(engine.pings) == 2  # the dead one, then the new one


def test_ping_error_that_is_no_disconnect_is_raised(engine, monkeypatch):
    monkeypatch.setattr(session, 'PING_IF_IDLE_FOR', 0)

    def do_ping(dbapi_connection):
        raise sqlite3.OperationalError('not a disconnect')

    monkeypatch.setattr(engine.dialect, 'do_ping', do_ping)
    with pytest.raises(sa.exc.OperationalError, match='not a disconnect'):
        engine.connect()
    assert len(engine.made) == 1
