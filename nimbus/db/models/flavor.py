"""Flavors, under Nova's old table names (instance_types)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from nimbus.db.models import base


class InstanceTypes(base.NimbusBase, base.Base):
    __tablename__ = 'instance_types'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('name', 'deleted'),
        sa.UniqueConstraint('flavorid', 'deleted'),
    )

    name: Mapped[str | None] = mapped_column(sa.String(255))
    flavorid: Mapped[str | None] = mapped_column(sa.String(255))
    memory_mb: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    vcpus: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    root_gb: Mapped[int | None] = mapped_column(sa.Integer)
    ephemeral_gb: Mapped[int | None] = mapped_column(sa.Integer)
    swap: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    rxtx_factor: Mapped[float | None] = mapped_column(sa.Float, default=1.0)
    vcpu_weight: Mapped[int | None] = mapped_column(sa.Integer)
    disabled: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    is_public: Mapped[bool | None] = mapped_column(sa.Boolean, default=True)
    description: Mapped[str | None] = mapped_column(sa.Text)


class InstanceTypeExtraSpecs(base.NimbusBase, base.Base):
    __tablename__ = 'instance_type_extra_specs'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('instance_type_id', 'key', 'deleted'),
        sa.Index(None, 'instance_type_id', 'key'),
    )

    instance_type_id: Mapped[int] = mapped_column(
        sa.ForeignKey('instance_types.id'), nullable=False)
    key: Mapped[str | None] = mapped_column(sa.String(255))
    value: Mapped[str | None] = mapped_column(sa.String(255))


class InstanceTypeProjects(base.NimbusBase, base.Base):
    """Which projects may use a private flavor."""

    __tablename__ = 'instance_type_projects'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('instance_type_id', 'project_id', 'deleted'),
    )

    instance_type_id: Mapped[int] = mapped_column(
        sa.ForeignKey('instance_types.id'), nullable=False)
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
