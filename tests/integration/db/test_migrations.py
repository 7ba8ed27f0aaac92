"""Migrations against SQLite, MariaDB and PostgreSQL: the schema they build
is exactly the models', under the same names everywhere."""

from alembic import autogenerate
from alembic import migration as alembic_migration
import pytest
import sqlalchemy as sa

from nimbus.db import migration
from nimbus.db import models

METADATA = models.Base.metadata


@pytest.fixture
def engine(db_url):
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def _differences(connection, metadata=METADATA):
    context = alembic_migration.MigrationContext.configure(
        connection, opts={'compare_type': True,
                          'compare_server_default': True})
    return autogenerate.compare_metadata(context, metadata)


def test_db_sync_builds_exactly_the_models(db_url, engine):
    migration.db_sync(engine_or_url=db_url)
    with engine.connect() as connection:
        assert _differences(connection) == []


def test_comparison_notices_a_difference(db_url, engine):
    # Guards the test above against comparing nothing.
    migration.db_sync(engine_or_url=db_url)
    altered = sa.MetaData()
    for table in METADATA.tables.values():
        table.to_metadata(altered)
    altered.tables['services'].c.host.type = sa.String(100)
    report_count = altered.tables['services'].c.report_count
    report_count.server_default = sa.DefaultClause(sa.text("'7'"))
    report_count.server_default._set_parent(report_count)
    altered.tables['instances'].append_column(sa.Column('extra', sa.Integer))
    with engine.connect() as connection:
        kinds = {(diff[0] if isinstance(diff, tuple) else diff[0][0])
                 for diff in _differences(connection, altered)}
    assert kinds == {'modify_type', 'modify_default', 'add_column'}


def test_db_sync_is_idempotent_and_db_version_follows(db_url, engine):
    head = migration.db_head()
    assert migration.db_version(db_url) is None
    migration.db_sync(engine_or_url=db_url)
    assert migration.db_version(db_url) == head
    tables = set(sa.inspect(engine).get_table_names())
    assert tables == set(METADATA.tables) | {'alembic_version'}

    migration.db_sync(engine_or_url=db_url)
    migration.db_sync(version=head, engine_or_url=engine)
    assert migration.db_version(engine) == head
    assert set(sa.inspect(engine).get_table_names()) == tables
    with engine.connect() as connection:
        versions = connection.execute(
            sa.text('SELECT version_num FROM alembic_version')).all()
    assert versions == [(head,)]


def test_db_sync_through_nimbus_engine(nimbus_db):
    # No URL given: the engine of nimbus.db.session, as nimbus-manage does.
    assert migration.db_version() is None
    migration.db_sync()
    migration.db_sync()
    assert migration.db_version() == migration.db_head()


def _metadata_names():
    names = set()
    for table in METADATA.tables.values():
        for thing in list(table.constraints) + list(table.indexes):
            if not isinstance(thing, sa.PrimaryKeyConstraint):
                names.add((table.name, thing.name))
    return names


def _database_names(engine):
    inspector = sa.inspect(engine)
    names = set()
    for get in (inspector.get_multi_indexes,
                inspector.get_multi_unique_constraints,
                inspector.get_multi_foreign_keys):
        for (_, table), items in get().items():
            if table in METADATA.tables:
                names |= {(table, item['name']) for item in items}
    return names


def test_constraint_and_index_names_are_the_models(db_url, engine):
    migration.db_sync(engine_or_url=db_url)
    assert _database_names(engine) == _metadata_names()
