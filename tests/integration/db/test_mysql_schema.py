"""What alembic's comparison does not check on MariaDB/MySQL: fractional
seconds, MEDIUMTEXT, the storage engine and the character set."""

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from nimbus.db import migration
from nimbus.db import models
from tests.integration.db import databases


@pytest.fixture
def mysql_engine():
    with databases.mysql_database() as url:
        migration.db_sync(engine_or_url=url)
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            yield engine
        finally:
            engine.dispose()


def _expected_column_types():
    dialect = mysql.dialect()
    expected = {}
    for table in models.Base.metadata.tables.values():
        for column in table.columns:
            impl = column.type.dialect_impl(dialect)
            if isinstance(impl, sa.DateTime):
                expected[(table.name, column.name)] = ('datetime', 6)
            elif isinstance(impl, mysql.MEDIUMTEXT):
                expected[(table.name, column.name)] = ('mediumtext', None)
    return expected


def test_datetimes_keep_microseconds_and_big_texts_fit(mysql_engine):
    with mysql_engine.connect() as connection:
        rows = connection.execute(sa.text(
            'SELECT table_name, column_name, data_type, datetime_precision '
            'FROM information_schema.columns '
            'WHERE table_schema = DATABASE()')).all()
    actual = {(table, column): (data_type, precision)
              for table, column, data_type, precision in rows}
    expected = _expected_column_types()
    assert ('services', 'last_seen_up') in expected
    assert ('instances', 'user_data') in expected
    assert {key: actual[key] for key in expected} == expected
    # And only those: no other column is a datetime or a mediumtext.
    assert {key for key, (data_type, _) in actual.items()
            if data_type in ('datetime', 'mediumtext')} == set(expected)


def test_tables_are_innodb_utf8mb4(mysql_engine):
    with mysql_engine.connect() as connection:
        rows = connection.execute(sa.text(
            'SELECT table_name, engine, table_collation '
            'FROM information_schema.tables '
            'WHERE table_schema = DATABASE()')).all()
    tables = {table: (engine, collation.split('_')[0])
              for table, engine, collation in rows
              if table != 'alembic_version'}
    assert set(tables) == set(models.Base.metadata.tables)
    assert set(tables.values()) == {('InnoDB', 'utf8mb4')}
