"""Server groups (Nova's instance groups): a policy, and the instances
that asked to be placed by it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from nimbus.db.models import base


class InstanceGroup(base.NimbusBase, base.Base):
    __tablename__ = 'instance_groups'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('uuid', 'deleted'),
        sa.Index(None, 'project_id'),
    )

    uuid: Mapped[str] = mapped_column(sa.String(36), nullable=False)
    name: Mapped[str | None] = mapped_column(sa.String(255))
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    # affinity, anti-affinity, soft-affinity or soft-anti-affinity (one
    # per group, as the API allows).
    policy: Mapped[str] = mapped_column(sa.String(255), nullable=False)


class InstanceGroupMember(base.NimbusBase, base.Base):
    __tablename__ = 'instance_group_member'
    __table_args__ = base.table_args(
        sa.Index(None, 'instance_uuid'),
    )

    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey('instance_groups.id'), nullable=False, index=True)
    instance_uuid: Mapped[str] = mapped_column(sa.String(36),
                                               nullable=False)
