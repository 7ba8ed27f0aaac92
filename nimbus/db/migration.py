"""Schema migrations with alembic: ``nimbus-manage db sync`` and ``db
version``.

alembic is configured here in code; the scripts live in
``nimbus/db/migrations``.
"""

import contextlib
import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script
import sqlalchemy as sa

from nimbus.db import session

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              'migrations')


def _alembic_config(connection=None):
    config = alembic_config.Config(os.path.join(MIGRATIONS_DIR,
                                                'alembic.ini'))
    config.set_main_option('script_location', MIGRATIONS_DIR)
    config.attributes['connection'] = connection
    return config


@contextlib.contextmanager
def _connect(engine_or_url):
    """A connection to the given engine or URL, else nimbus's own engine."""
    if engine_or_url is None:
        engine, owned = session.get_engine(), False
    elif isinstance(engine_or_url, sa.engine.Engine):
        engine, owned = engine_or_url, False
    else:
        engine = sa.create_engine(engine_or_url, poolclass=sa.pool.NullPool)
        owned = True
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        if owned:
            engine.dispose()


@contextlib.contextmanager
def _sqlite_foreign_keys_off(connection):
    # Batch migrations on SQLite copy and drop tables, which enforced
    # foreign keys would cascade or refuse. The pragma is a no-op inside a
    # transaction, so it is set on the DBAPI connection before one begins.
    if connection.dialect.name != 'sqlite':
        yield
        return
    dbapi_connection = connection.connection.driver_connection
    enabled = dbapi_connection.execute('PRAGMA foreign_keys').fetchone()[0]
    dbapi_connection.execute('PRAGMA foreign_keys = OFF')
    try:
        yield
    finally:
        dbapi_connection.execute('PRAGMA foreign_keys = %s'
                                 % ('ON' if enabled else 'OFF'))


def db_sync(version=None, engine_or_url=None):
    """Upgrade the schema to ``version`` (default: the newest).

    Running it again is a no-op. ``engine_or_url`` defaults to the
    ``[database] connection`` nimbus uses.
    """
    with _connect(engine_or_url) as connection:
        with _sqlite_foreign_keys_off(connection):
            alembic_command.upgrade(_alembic_config(connection),
                                    version or 'heads')
            connection.commit()


def db_version(engine_or_url=None):
    """The database's current revision, or None if alembic never ran on it."""
    with _connect(engine_or_url) as connection:
        context = alembic_migration.MigrationContext.configure(connection)
        return context.get_current_revision()


def db_head():
    """The newest revision the code knows."""
    script = alembic_script.ScriptDirectory.from_config(_alembic_config())
    return script.get_current_head()
