"""Engine and transactions: one oslo.db enginefacade for all of nimbus.

Query functions are decorated with ``reader`` or ``writer``; the context
they receive (a ``nimbus.context.RequestContext``, or any class decorated
with ``enginefacade.transaction_context_provider``) then carries
``context.session`` for the duration of the outermost decorated call.

On a SQLite file every transaction, reader or writer, takes the database's
write lock at BEGIN (see ``_begin_immediate``), so transactions from several
threads queue rather than fail. Two consequences: keep transactions short
and never wait for another thread (an RPC call) inside one; and do not open
an ``independent`` transaction inside another in the same thread.

The engine is made on first use from ``CONF.database`` (``connection``,
pool sizes, ...). Tests point it elsewhere with the oslo.config fixture and
``reset()``, or directly with ``configure(connection=url)``.

Two round trips oslo.db and SQLAlchemy would spend on every transaction
are left out (see ``_ping_only_when_idle`` and ``_skip_needless_rollback``):
the ping at checkout, and the ROLLBACK at checkin after the transaction
already ended with its COMMIT or ROLLBACK.
"""

import time

from oslo_db import api as oslo_db_api
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa

import nimbus.conf  # noqa: F401  registers [database] and its defaults

# nimbus-all runs every service in one process, several threads writing to
# one SQLite file; a writer waits this long for the lock instead of failing.
SQLITE_BUSY_TIMEOUT_MS = 30000

#: Seconds a pooled connection may sit idle and still be checked out
#: without a ping. A connection used that recently was proven alive
#: moments ago (its last statement, COMMIT or ROLLBACK got an answer);
#: one idle across a database restart, or for MariaDB's wait_timeout, is
#: pinged and replaced before a transaction uses it. A busy connection
#: that nonetheless died fails its first statement: SQLAlchemy sees the
#: disconnect and invalidates the whole pool, so that transaction fails
#: (as it would have without pings, had the database died a moment
#: later) and the next ones get new connections.
PING_IF_IDLE_FOR = 1.0

# Keys of a pooled connection's ``info`` (SQLAlchemy empties it whenever
# the connection is replaced, so nothing outlives the DBAPI connection).
_IDLE_SINCE = 'nimbus_idle_since'
_CLEAN = 'nimbus_no_transaction'


def _is_sqlite_file(url):
    database = url.database or ''
    return (url.get_backend_name() == 'sqlite' and database not in ('',
            ':memory:') and not database.startswith('file::memory:'))


def _begin_immediate(engine):
    """Take SQLite's write lock when a transaction begins.

    A transaction that reads and then writes would otherwise fail at once
    with "database is locked" whenever another connection wrote in between
    (the busy timeout does not cover upgrading a read lock). Taking the
    lock at BEGIN makes concurrent transactions wait their turn instead.
    """
    # oslo.db emits a plain BEGIN from its own listener; SQLAlchemy ignores
    # insert=True for engine events, so ours cannot run first: replace it.
    # Its commit/rollback listeners clear the same "in_transaction" marker.
    # Should oslo.db rename it, ours sees the marker and does nothing, and
    # test_concurrent_read_then_write_transactions_do_not_fail fails.
    for listener in list(engine.dispatch.begin):
        if getattr(listener, '__name__', None) == '_sqlite_emit_begin':
            sa.event.remove(engine, 'begin', listener)

    @sa.event.listens_for(engine, 'begin')
    def _emit_begin_immediate(connection):
        if 'in_transaction' not in connection.info:
            connection.exec_driver_sql('BEGIN IMMEDIATE')
            connection.info['in_transaction'] = True


def _tune_sqlite(engine):
    """Make a SQLite file database usable by concurrent threads."""
    if engine.dialect.name != 'sqlite':
        return
    file_database = _is_sqlite_file(engine.url)

    @sa.event.listens_for(engine, 'connect')
    def _set_pragmas(dbapi_connection, connection_record):
        dbapi_connection.execute(
            'PRAGMA busy_timeout = %d' % SQLITE_BUSY_TIMEOUT_MS)
        if file_database:
            # Commits append to a log instead of rewriting pages; readers
            # outside nimbus (the sqlite3 shell) never block a writer.
            dbapi_connection.execute('PRAGMA journal_mode = WAL')

    if file_database:
        _begin_immediate(engine)

    # The connection oslo.db opened to test the engine predates our
    # listeners; drop it so every pooled connection has the pragmas.
    engine.pool.dispose()


def _ping_only_when_idle(engine):
    """Ping a connection at checkout only when idle for PING_IF_IDLE_FOR.

    oslo.db creates every engine with ``pool_pre_ping=True``, a COM_PING
    round trip in front of every transaction, nearly always to a
    connection that answered a few milliseconds ago. A ``checkout``
    listener that raises DisconnectionError makes the pool discard the
    connection and check out a new one (documented SQLAlchemy behaviour,
    the one oslo.db's own fork guard relies on), so the ping moves there.

    ``Pool._pre_ping`` is private, but create_engine offers no other way
    to turn it off once oslo.db set it. Pool.recreate() (engine.dispose())
    carries it over; tests/unit/db/test_round_trips.py fails should
    SQLAlchemy rename it.
    """
    engine.pool._pre_ping = False
    dialect = engine.dialect

    @sa.event.listens_for(engine, 'connect')
    def _just_connected(dbapi_connection, connection_record):
        connection_record.info[_IDLE_SINCE] = time.monotonic()

    @sa.event.listens_for(engine, 'checkin')
    def _idle_from_now(dbapi_connection, connection_record):
        connection_record.info[_IDLE_SINCE] = time.monotonic()

    @sa.event.listens_for(engine, 'checkout')
    def _ping_if_idle(dbapi_connection, connection_record, proxy):
        # No mark: a connection made before these listeners (oslo.db's
        # test connection), of unknown age.
        idle_since = connection_record.info.get(_IDLE_SINCE)
        if (idle_since is not None
                and time.monotonic() - idle_since <= PING_IF_IDLE_FOR):
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise sa.exc.DisconnectionError(
                    'ping failed: %s' % error) from error
            raise


def _skip_needless_rollback(engine):
    """Return a connection to the pool without a ROLLBACK when its
    transaction already ended with a COMMIT (or a ROLLBACK).

    Closing a Connection whose transaction committed hands the DBAPI
    connection back with ``transaction_was_reset=False`` (Connection.close
    only tells the pool so when it ended an open transaction itself), so
    the pool's reset-on-return sends a ROLLBACK: a round trip on MariaDB
    (mysqlclient and PyMySQL alike; psycopg2 skips it when idle). The
    same goes for a reader: Session.close() rolls its transaction back,
    then closes the Connection, and the pool rolls back a second time.

    After a COMMIT or ROLLBACK that succeeded there is nothing to roll
    back, so the dialect's do_commit and do_rollback mark the connection
    clean once the DBAPI call returned, and do_rollback skips a clean
    connection (once). A transaction's ``begin`` (SQLAlchemy 2 begins one
    before any statement) and every checkout (raw_connection() users run
    no ``begin``) clear the mark, so every transaction still ends with
    its COMMIT or exactly one ROLLBACK. A COMMIT or ROLLBACK that raised
    leaves no mark; a replaced (invalidated) connection starts with an
    empty ``info``.

    Why wrap the methods of this engine's dialect instance:
    do_commit/do_rollback are the documented Dialect hooks that both
    Connection and the pool call, and the pool's dialect is the engine's.
    The public events fall short: ``commit`` and ``rollback`` fire before
    the statement is sent (it may still fail), and the pool's ``reset``
    event cannot cancel the ROLLBACK unless reset_on_return is off, which
    oslo.db does not let us pass (Pool._reset_on_return is private).
    """
    dialect = engine.dialect
    do_commit, do_rollback = dialect.do_commit, dialect.do_rollback

    def _pool_info(dbapi_connection):
        # The pool and Connection pass the pool's proxy. The engine's first
        # connect (after these wrappers when oslo.db's max_retries is 0)
        # passes an ad hoc proxy without ``info``; it, like a bare DBAPI
        # connection, is always rolled back.
        if not isinstance(dbapi_connection, sa.pool.PoolProxiedConnection):
            return None
        try:
            return dbapi_connection.info
        except NotImplementedError:
            return None

    def do_commit_and_mark_clean(dbapi_connection):
        do_commit(dbapi_connection)
        info = _pool_info(dbapi_connection)
        if info is not None:
            info[_CLEAN] = True

    def do_rollback_unless_clean(dbapi_connection):
        info = _pool_info(dbapi_connection)
        if info is None:
            do_rollback(dbapi_connection)
        elif not info.pop(_CLEAN, False):
            do_rollback(dbapi_connection)
            info[_CLEAN] = True

    dialect.do_commit = do_commit_and_mark_clean
    dialect.do_rollback = do_rollback_unless_clean

    @sa.event.listens_for(engine, 'begin')
    def _transaction_begins(connection):
        connection.info.pop(_CLEAN, None)

    @sa.event.listens_for(engine, 'checkout')
    def _checked_out(dbapi_connection, connection_record, proxy):
        connection_record.info.pop(_CLEAN, None)


def _save_round_trips(engine):
    _ping_only_when_idle(engine)
    _skip_needless_rollback(engine)


def _new_manager(**kw):
    manager = enginefacade.transaction_context()
    # Enforce foreign keys on SQLite too, so the three backends agree.
    manager.configure(sqlite_fk=True, **kw)
    manager.append_on_engine_create(_tune_sqlite)
    manager.append_on_engine_create(_save_round_trips)
    return manager


main_context_manager = _new_manager()

#: Decorators (and ``reader.using(context)`` blocks) for query functions.
reader = main_context_manager.reader
writer = main_context_manager.writer


# Functions that forget what a process cached from the database (see
# on_new_engine): rows of the previous engine's database are no rows of
# the next one's.
_cache_resets = []


def on_new_engine(forget):
    """Call ``forget()`` whenever configure() (or reset()) changes the
    database; for the module-level caches of rows."""
    _cache_resets.append(forget)
    return forget


def configure(**kw):
    """Use a new, not yet started engine for everything that follows.

    ``kw`` are enginefacade options (``connection``, ``max_pool_size``,
    ...); what is not given is read from ``CONF.database`` on first use.
    The previous engine's connections are closed, and the caches
    registered with on_new_engine emptied.
    """
    for forget in _cache_resets:
        forget()
    main_context_manager.dispose_pool()
    # patch_factory replaces the factory under every reader/writer made
    # from main_context_manager, including the decorators already applied.
    main_context_manager.patch_factory(_new_manager(**kw))


def reset():
    """Forget the engine; the next transaction reads ``CONF.database``."""
    configure()


def get_engine():
    """The writer engine (starts the enginefacade if needed)."""
    return main_context_manager.writer.get_engine()


def retry_on_deadlock(fn):
    """Retry a whole writer transaction when the database reports a deadlock.

    Put it outside ``@writer``, so each attempt is a new transaction.
    """
    return oslo_db_api.wrap_db_retry(
        max_retries=5, retry_on_deadlock=True)(fn)
