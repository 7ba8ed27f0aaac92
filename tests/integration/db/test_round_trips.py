"""The round trips nimbus's engine leaves out, on the real databases.

MariaDB counts what each session sent (``SHOW SESSION STATUS``: COM_PING
in Com_admin_commands, Com_commit, Com_rollback); the pool holds one
connection, so every transaction of a test runs on the same one (its
connection id is checked). PostgreSQL counts nothing of the kind; its
pings are counted at the dialect.
"""

import time

from oslo_db import exception as db_exc
import pymysql
import psycopg2
import pytest
import sqlalchemy as sa

from nimbus import context as nimbus_context
from nimbus.db import session
from tests.integration.db import databases

MARIADB = ('mysql', 'mysqldb')
COUNTERS = ('Com_admin_commands', 'Com_commit', 'Com_rollback')


def _run_elsewhere(name, url, statement):
    """Run and commit ``statement`` on a connection outside nimbus's
    pool, to the test's database."""
    database = sa.engine.make_url(url).database
    if name == 'postgresql':
        connection = psycopg2.connect(dbname=database, **databases.POSTGRESQL)
    else:
        connection = pymysql.connect(database=database, **databases.MYSQL)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
        connection.commit()
    finally:
        connection.close()


@pytest.fixture
def backend(request, tmp_path):
    """(backend name, URL) of a new database with a table ``t`` holding one
    row (id 1, v 0); nimbus's engine on it with a pool of one."""
    with databases.create(request.param, tmp_path) as url:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.begin() as connection:
            connection.execute(sa.text(
                'CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)'))
            connection.execute(sa.text('INSERT INTO t VALUES (1, 0)'))
        engine.dispose()
        session.configure(connection=url, max_pool_size=1, max_overflow=0)
        try:
            yield request.param, url
        finally:
            session.reset()


def _ctx():
    return nimbus_context.get_admin_context()


def _connection_id(db_session, backend):
    function = 'pg_backend_pid()' if backend == 'postgresql' else (
        'CONNECTION_ID()')
    return db_session.execute(sa.text('SELECT ' + function)).scalar()


def _counters():
    """Read the session's counters in a reader transaction (which itself
    adds one ROLLBACK, when it ends, to the next reading)."""
    with session.reader.using(_ctx()) as db_session:
        rows = db_session.execute(sa.text(
            'SHOW SESSION STATUS WHERE Variable_name IN %s'
            % (COUNTERS,))).all()
        counts = {name: int(value) for name, value in rows}
        counts['id'] = _connection_id(db_session, 'mysql')
    return counts


def _write(value=1):
    with session.writer.using(_ctx()) as db_session:
        db_session.execute(sa.text('UPDATE t SET v = :v WHERE id = 1'),
                           {'v': value})


def _delta(before, after):
    assert after['id'] == before['id'], 'not the same pooled connection'
    return {name: after[name] - before[name] for name in COUNTERS}


@pytest.mark.parametrize('backend', MARIADB, indirect=True)
def test_writer_checkin_sends_no_rollback_and_busy_connections_no_ping(
        backend, monkeypatch):
    monkeypatch.setattr(session, 'PING_IF_IDLE_FOR', 3600)
    _counters()  # the connection oslo.db opened first is pinged once
    before = _counters()
    _write()
    after = _counters()
    # Only the first reading's ROLLBACK; it used to be two ROLLBACKs per
    # reader and one per writer, and a ping in front of each.
    assert _delta(before, after) == {
        'Com_admin_commands': 0, 'Com_commit': 1, 'Com_rollback': 1}


@pytest.mark.parametrize('backend', MARIADB, indirect=True)
def test_connection_idle_past_the_threshold_is_pinged(backend, monkeypatch):
    monkeypatch.setattr(session, 'PING_IF_IDLE_FOR', 0)
    before = _counters()
    _write()
    after = _counters()
    assert _delta(before, after) == {
        'Com_admin_commands': 2, 'Com_commit': 1, 'Com_rollback': 1}


@pytest.mark.parametrize('backend', MARIADB, indirect=True)
def test_transaction_after_commit_in_same_checkout_is_rolled_back(backend):
    # Two transactions on one checked-out connection, the first committed:
    # the second's begin forgets the COMMIT, so its end is a ROLLBACK.
    engine = session.get_engine()
    with engine.connect() as connection:
        before = connection.execute(sa.text(
            "SHOW SESSION STATUS LIKE 'Com_rollback'")).one()[1]
        connection.commit()
        connection.execute(sa.text('SELECT v FROM t')).all()
    with engine.connect() as connection:
        after = connection.execute(sa.text(
            "SHOW SESSION STATUS LIKE 'Com_rollback'")).one()[1]
        connection.rollback()
    assert int(after) - int(before) == 1


@pytest.mark.parametrize('backend', MARIADB + ('postgresql',),
                         indirect=True)
def test_reader_transaction_still_ends_its_snapshot(backend):
    # InnoDB's REPEATABLE READ keeps a reader's snapshot until the
    # transaction ends: were the reader's ROLLBACK skipped, the next
    # reader on the same connection would not see the other commit.
    name, url = backend
    with session.writer.using(_ctx()) as db_session:
        db_session.execute(sa.text('UPDATE t SET v = 1 WHERE id = 1'))
    with session.reader.using(_ctx()) as db_session:
        first = _connection_id(db_session, name)
        assert db_session.execute(sa.text('SELECT v FROM t')).scalar() == 1

    _run_elsewhere(name, url, 'UPDATE t SET v = 2 WHERE id = 1')

    with session.reader.using(_ctx()) as db_session:
        assert _connection_id(db_session, name) == first
        assert db_session.execute(sa.text('SELECT v FROM t')).scalar() == 2


def _kill(name, url, connection_id):
    _run_elsewhere(name, url, (
        'SELECT pg_terminate_backend(%d)' if name == 'postgresql'
        else 'KILL %d') % connection_id)


def _read_connection_id(name):
    with session.reader.using(_ctx()) as db_session:
        db_session.execute(sa.text('SELECT v FROM t')).all()
        return _connection_id(db_session, name)


@pytest.mark.parametrize('backend', MARIADB + ('postgresql',),
                         indirect=True)
def test_connection_killed_while_idle_is_replaced_at_checkout(
        backend, monkeypatch):
    name, url = backend
    pings = []
    dialect = session.get_engine().dialect
    do_ping = dialect.do_ping
    monkeypatch.setattr(dialect, 'do_ping',
                        lambda c: pings.append(1) or do_ping(c))
    monkeypatch.setattr(session, 'PING_IF_IDLE_FOR', 0.2)
    first = _read_connection_id(name)
    _kill(name, url, first)
    time.sleep(0.3)
    pings.clear()
    second = _read_connection_id(name)
    assert second != first
    assert len(pings) == 1  # the dead one; its replacement is fresh


@pytest.mark.parametrize('backend', MARIADB + ('postgresql',),
                         indirect=True)
def test_busy_connection_is_not_pinged(backend, monkeypatch):
    name, _ = backend
    pings = []
    dialect = session.get_engine().dialect
    do_ping = dialect.do_ping
    monkeypatch.setattr(dialect, 'do_ping',
                        lambda c: pings.append(1) or do_ping(c))
    _read_connection_id(name)
    pings.clear()
    monkeypatch.setattr(session, 'PING_IF_IDLE_FOR', 3600)
    _read_connection_id(name)
    _write()
    assert pings == []
    monkeypatch.setattr(session, 'PING_IF_IDLE_FOR', 0)
    _read_connection_id(name)
    assert len(pings) == 1


@pytest.mark.parametrize('backend', MARIADB + ('postgresql',),
                         indirect=True)
def test_busy_connection_that_died_fails_one_transaction(backend,
                                                         monkeypatch):
    # The price of not pinging a busy connection (PING_IF_IDLE_FOR): the
    # transaction that finds it dead fails, and SQLAlchemy's disconnect
    # handling replaces it for the next one.
    name, url = backend
    monkeypatch.setattr(session, 'PING_IF_IDLE_FOR', 3600)
    first = _read_connection_id(name)
    _kill(name, url, first)
    time.sleep(0.3)
    with pytest.raises(db_exc.DBConnectionError):
        _read_connection_id(name)
    assert _read_connection_id(name) != first
