"""Declarative base, naming convention and the mixins every table shares."""

from __future__ import annotations

import datetime
import functools

from oslo_utils import timeutils
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy import orm
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column


def _zero_joined_columns(constraint, table):
    # Nova's unique constraint names: uniq_<table>0<col>0<col>...
    return '0'.join(column.name for column in constraint.columns)


# Names are generated the same way on every backend, so a later migration can
# drop or alter a constraint by name without asking the dialect what it chose.
# Every generated name stays under 64 characters (MySQL's limit), which a
# unit test checks, so no dialect ever truncates one.
NAMING_CONVENTION = {
    'zero_joined_columns': _zero_joined_columns,
    'ix': 'ix_%(table_name)s_%(column_0_N_name)s',
    'uq': 'uniq_%(table_name)s0%(zero_joined_columns)s',
    'fk': 'fk_%(table_name)s_%(column_0_name)s',
    'ck': 'ck_%(table_name)s_%(constraint_name)s',
    'pk': 'pk_%(table_name)s',
}

# InnoDB for transactions and foreign keys; utf8mb4 so any Unicode fits.
MYSQL_TABLE_KWARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}

# TEXT is limited to 64 KiB on MySQL; user data, network info and connection
# info can exceed that, as Nova found.
MediumText = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql', 'mariadb')

# MySQL's DATETIME drops microseconds unless asked; keep them, as the other
# backends do, so a value read back equals the value written.
DateTime = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                      'mariadb')

# Lengths Nova used: IPv6 in text form fits 39 characters, a CIDR 43.
IPAddress = sa.String(39)
CIDR = sa.String(43)


def table_args(*items):
    """``__table_args__``: the constraints given, plus the MySQL options."""
    return (*items, dict(MYSQL_TABLE_KWARGS))


def _utcnow():
    return timeutils.utcnow()


class Base(orm.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

    def as_dict(self) -> dict:
        """The row's column values, detached from any session."""
        return {key: getattr(self, key) for key in column_keys(type(self))}

    def update(self, values: dict) -> None:
        """Set column attributes from ``values``; unknown keys are an error."""
        columns = _column_key_set(type(self))
        unknown = set(values) - columns
        if unknown:
            raise ValueError('%s has no column(s) %s' % (
                self.__tablename__, ', '.join(sorted(unknown))))
        for key, value in values.items():
            setattr(self, key, value)

    def save(self, session: orm.Session) -> None:
        session.add(self)
        session.flush()


@functools.lru_cache(maxsize=None)
def column_keys(model):
    """The column attribute keys of a mapped class, in mapper order (the
    mapper is inspected once per class, not once per row)."""
    return tuple(attr.key for attr in sa.inspect(model).column_attrs)


@functools.lru_cache(maxsize=None)
def _column_key_set(model):
    return frozenset(column_keys(model))


class IdMixin:
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True,
                                    autoincrement=True)


class TimestampMixin:
    # Naive datetimes in UTC, as everywhere in nimbus.
    created_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, default=_utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, onupdate=_utcnow)


class SoftDeleteMixin:
    """Rows are marked deleted rather than removed, as in Nova.

    ``deleted`` is 0 for a live row and the row's id once deleted, so a
    unique constraint that includes ``deleted`` allows any number of deleted
    rows next to one live row. Tables whose id is not an integer (volumes,
    snapshots, images) store 1; none of them has such a constraint.
    """

    deleted_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    deleted: Mapped[int] = mapped_column(
        sa.Integer, nullable=False, default=0, server_default='0')

    def soft_delete(self, session: orm.Session) -> None:
        self.deleted = self.id if isinstance(self.id, int) else 1
        self.deleted_at = _utcnow()
        session.add(self)
        session.flush()


class NimbusBase(IdMixin, TimestampMixin, SoftDeleteMixin):
    """The usual columns: integer id, timestamps, soft delete."""
