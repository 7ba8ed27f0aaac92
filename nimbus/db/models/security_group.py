"""Security groups, their rules, and which instances are in them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from nimbus.db.models import base


class SecurityGroup(base.NimbusBase, base.Base):
    __tablename__ = 'security_groups'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('project_id', 'name', 'deleted'),
    )

    name: Mapped[str | None] = mapped_column(sa.String(255))
    description: Mapped[str | None] = mapped_column(sa.String(255))
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    project_id: Mapped[str | None] = mapped_column(sa.String(255))


class SecurityGroupIngressRule(base.NimbusBase, base.Base):
    """Allow traffic into parent_group from a CIDR or from another group."""

    __tablename__ = 'security_group_rules'
    __table_args__ = base.table_args()

    parent_group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey('security_groups.id'), index=True)
    protocol: Mapped[str | None] = mapped_column(sa.String(255))
    from_port: Mapped[int | None] = mapped_column(sa.Integer)
    to_port: Mapped[int | None] = mapped_column(sa.Integer)
    cidr: Mapped[str | None] = mapped_column(base.CIDR)
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey('security_groups.id'), index=True)


class SecurityGroupInstanceAssociation(base.NimbusBase, base.Base):
    __tablename__ = 'security_group_instance_association'
    __table_args__ = base.table_args()

    security_group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey('security_groups.id'), index=True)
    instance_uuid: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey('instances.uuid'), index=True)


class SecurityGroupIngressDefaultRule(base.NimbusBase, base.Base):
    """Rules copied into every project's new 'default' group."""

    __tablename__ = 'security_group_default_rules'
    __table_args__ = base.table_args()

    protocol: Mapped[str | None] = mapped_column(sa.String(5))
    from_port: Mapped[int | None] = mapped_column(sa.Integer)
    to_port: Mapped[int | None] = mapped_column(sa.Integer)
    cidr: Mapped[str | None] = mapped_column(base.CIDR)
