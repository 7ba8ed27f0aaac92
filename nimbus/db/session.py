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
"""

from oslo_db import api as oslo_db_api
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa

import nimbus.conf  # noqa: F401  registers [database] and its defaults

# nimbus-all runs every service in one process, several threads writing to
# one SQLite file; a writer waits this long for the lock instead of failing.
SQLITE_BUSY_TIMEOUT_MS = 30000


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


def _new_manager(**kw):
    manager = enginefacade.transaction_context()
    # Enforce foreign keys on SQLite too, so the three backends agree.
    manager.configure(sqlite_fk=True, **kw)
    manager.append_on_engine_create(_tune_sqlite)
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
