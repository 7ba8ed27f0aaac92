"""alembic environment for nimbus.

``nimbus.db.migration.db_sync`` hands over an open connection in
``config.attributes['connection']``. Run from the alembic command line
(``alembic -c nimbus/db/migrations/alembic.ini ...``), the URL comes from
``sqlalchemy.url`` if set, else from nimbus's ``[database] connection``.
"""

from alembic import context
import sqlalchemy as sa

from nimbus.db import models

config = context.config
target_metadata = models.Base.metadata


def _configure(**kw):
    context.configure(target_metadata=target_metadata,
                      compare_type=True,
                      compare_server_default=True,
                      **kw)


def run_migrations_offline():
    """Print the SQL instead of running it (``alembic upgrade --sql``)."""
    url = config.get_main_option('sqlalchemy.url')
    if not url:
        from nimbus.conf import CONF
        url = CONF.database.connection
    _configure(url=url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _run_with(connection):
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    _configure(connection=connection,
               render_as_batch=connection.dialect.name == 'sqlite')
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = config.attributes.get('connection')
    if connection is not None:
        _run_with(connection)
        return
    url = config.get_main_option('sqlalchemy.url')
    if url:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    else:
        from nimbus.db import session
        engine = session.get_engine()
    with engine.connect() as connection:
        _run_with(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
