"""Quotas: limits per project and per class, usage and reservations."""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from nimbus.db.models import base


class Quota(base.NimbusBase, base.Base):
    """A project's limit for one resource, where it differs from default."""

    __tablename__ = 'quotas'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('project_id', 'resource', 'deleted'),
    )

    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    resource: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    hard_limit: Mapped[int | None] = mapped_column(sa.Integer)


class QuotaClass(base.NimbusBase, base.Base):
    """A named set of limits (the 'default' class holds the defaults)."""

    __tablename__ = 'quota_classes'
    __table_args__ = base.table_args(sa.Index(None, 'class_name'))

    class_name: Mapped[str | None] = mapped_column(sa.String(255))
    resource: Mapped[str | None] = mapped_column(sa.String(255))
    hard_limit: Mapped[int | None] = mapped_column(sa.Integer)


class QuotaUsage(base.NimbusBase, base.Base):
    __tablename__ = 'quota_usages'
    __table_args__ = base.table_args(
        sa.Index(None, 'project_id'),
        sa.Index(None, 'user_id', 'deleted'),
    )

    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    resource: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    in_use: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    reserved: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    until_refresh: Mapped[int | None] = mapped_column(sa.Integer)


class Reservation(base.NimbusBase, base.Base):
    """A pending change to a usage, committed or rolled back later."""

    __tablename__ = 'reservations'
    __table_args__ = base.table_args(
        sa.Index(None, 'project_id'),
        sa.Index(None, 'uuid'),
        sa.Index(None, 'deleted', 'expire'),
    )

    uuid: Mapped[str] = mapped_column(sa.String(36), nullable=False)
    usage_id: Mapped[int] = mapped_column(
        sa.ForeignKey('quota_usages.id'), nullable=False, index=True)
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    resource: Mapped[str | None] = mapped_column(sa.String(255))
    delta: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    expire: Mapped[datetime.datetime | None] = mapped_column(base.DateTime)
