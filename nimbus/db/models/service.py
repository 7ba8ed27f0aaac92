"""Services (one row per daemon per host) and the compute nodes they report."""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from nimbus.db.models import base


class Service(base.NimbusBase, base.Base):
    __tablename__ = 'services'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('host', 'binary', 'deleted'),
        sa.UniqueConstraint('host', 'topic', 'deleted'),
    )

    host: Mapped[str | None] = mapped_column(sa.String(255))
    binary: Mapped[str | None] = mapped_column(sa.String(255))
    topic: Mapped[str | None] = mapped_column(sa.String(255))
    report_count: Mapped[int] = mapped_column(
        sa.Integer, nullable=False, default=0, server_default='0')
    disabled: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(255))
    availability_zone: Mapped[str | None] = mapped_column(sa.String(255))
    last_seen_up: Mapped[datetime.datetime | None] = mapped_column(
        base.DateTime)
    forced_down: Mapped[bool | None] = mapped_column(sa.Boolean,
                                                     default=False)
    version: Mapped[int | None] = mapped_column(sa.Integer, default=0)


class ComputeNode(base.NimbusBase, base.Base):
    """What a hypervisor has and uses, as the resource tracker reports it."""

    __tablename__ = 'compute_nodes'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('host', 'hypervisor_hostname', 'deleted'),
    )

    service_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey('services.id'), index=True)
    uuid: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    host: Mapped[str | None] = mapped_column(sa.String(255))
    hypervisor_hostname: Mapped[str | None] = mapped_column(sa.String(255))
    hypervisor_type: Mapped[str | None] = mapped_column(sa.String(255))
    hypervisor_version: Mapped[int | None] = mapped_column(sa.Integer)
    vcpus: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    memory_mb: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    local_gb: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    vcpus_used: Mapped[int] = mapped_column(sa.Integer, nullable=False,
                                            default=0)
    memory_mb_used: Mapped[int] = mapped_column(sa.Integer, nullable=False,
                                                default=0)
    local_gb_used: Mapped[int] = mapped_column(sa.Integer, nullable=False,
                                               default=0)
    free_ram_mb: Mapped[int | None] = mapped_column(sa.Integer)
    free_disk_gb: Mapped[int | None] = mapped_column(sa.Integer)
    current_workload: Mapped[int | None] = mapped_column(sa.Integer)
    running_vms: Mapped[int | None] = mapped_column(sa.Integer)
    cpu_info: Mapped[str | None] = mapped_column(base.MediumText)
    disk_available_least: Mapped[int | None] = mapped_column(sa.Integer)
    host_ip: Mapped[str | None] = mapped_column(base.IPAddress)
    supported_instances: Mapped[str | None] = mapped_column(sa.Text)
    stats: Mapped[str | None] = mapped_column(sa.Text)
    cpu_allocation_ratio: Mapped[float | None] = mapped_column(sa.Float)
    ram_allocation_ratio: Mapped[float | None] = mapped_column(sa.Float)
    disk_allocation_ratio: Mapped[float | None] = mapped_column(sa.Float)
