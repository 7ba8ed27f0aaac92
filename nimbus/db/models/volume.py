"""nova-volume's volumes and snapshots, and block device mappings."""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from nimbus.db.models import base


class Volume(base.TimestampMixin, base.SoftDeleteMixin, base.Base):
    __tablename__ = 'volumes'
    __table_args__ = base.table_args(
        sa.Index(None, 'instance_uuid'),
        sa.Index(None, 'project_id'),
        sa.Index(None, 'host'),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    ec2_id: Mapped[int | None] = mapped_column(sa.Integer)
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    host: Mapped[str | None] = mapped_column(sa.String(255))
    size: Mapped[int | None] = mapped_column(sa.Integer)
    availability_zone: Mapped[str | None] = mapped_column(sa.String(255))
    instance_uuid: Mapped[str | None] = mapped_column(sa.String(36))
    mountpoint: Mapped[str | None] = mapped_column(sa.String(255))
    attach_time: Mapped[datetime.datetime | None] = mapped_column(
        base.DateTime)
    status: Mapped[str | None] = mapped_column(sa.String(255))
    attach_status: Mapped[str | None] = mapped_column(sa.String(255))
    scheduled_at: Mapped[datetime.datetime | None] = mapped_column(
        base.DateTime)
    launched_at: Mapped[datetime.datetime | None] = mapped_column(
        base.DateTime)
    terminated_at: Mapped[datetime.datetime | None] = mapped_column(
        base.DateTime)
    display_name: Mapped[str | None] = mapped_column(sa.String(255))
    display_description: Mapped[str | None] = mapped_column(sa.String(255))
    # Where the driver put it (the iSCSI target) and its CHAP credentials.
    provider_location: Mapped[str | None] = mapped_column(sa.String(255))
    provider_auth: Mapped[str | None] = mapped_column(sa.String(255))
    snapshot_id: Mapped[str | None] = mapped_column(sa.String(36))
    volume_type_id: Mapped[int | None] = mapped_column(sa.Integer)
    image_id: Mapped[str | None] = mapped_column(sa.String(36))


class Snapshot(base.TimestampMixin, base.SoftDeleteMixin, base.Base):
    __tablename__ = 'snapshots'
    __table_args__ = base.table_args(
        sa.Index(None, 'volume_id'),
        sa.Index(None, 'project_id'),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    volume_id: Mapped[str] = mapped_column(sa.String(36), nullable=False)
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[str | None] = mapped_column(sa.String(255))
    progress: Mapped[str | None] = mapped_column(sa.String(255))
    volume_size: Mapped[int | None] = mapped_column(sa.Integer)
    scheduled_at: Mapped[datetime.datetime | None] = mapped_column(
        base.DateTime)
    display_name: Mapped[str | None] = mapped_column(sa.String(255))
    display_description: Mapped[str | None] = mapped_column(sa.String(255))
    provider_location: Mapped[str | None] = mapped_column(sa.String(255))


class BlockDeviceMapping(base.NimbusBase, base.Base):
    """One disk of an instance: where it comes from and how it is attached."""

    __tablename__ = 'block_device_mapping'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('uuid'),
        sa.Index(None, 'instance_uuid', 'device_name'),
        sa.Index(None, 'instance_uuid', 'volume_id'),
        sa.Index(None, 'snapshot_id'),
        sa.Index(None, 'volume_id'),
    )

    uuid: Mapped[str | None] = mapped_column(sa.String(36))
    instance_uuid: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey('instances.uuid'))
    # source: blank, snapshot, image, volume; destination: local, volume.
    source_type: Mapped[str | None] = mapped_column(sa.String(255))
    destination_type: Mapped[str | None] = mapped_column(sa.String(255))
    guest_format: Mapped[str | None] = mapped_column(sa.String(255))
    device_type: Mapped[str | None] = mapped_column(sa.String(255))
    disk_bus: Mapped[str | None] = mapped_column(sa.String(255))
    boot_index: Mapped[int | None] = mapped_column(sa.Integer)
    device_name: Mapped[str | None] = mapped_column(sa.String(255))
    delete_on_termination: Mapped[bool | None] = mapped_column(
        sa.Boolean, default=False)
    snapshot_id: Mapped[str | None] = mapped_column(sa.String(36))
    volume_id: Mapped[str | None] = mapped_column(sa.String(36))
    volume_size: Mapped[int | None] = mapped_column(sa.Integer)
    image_id: Mapped[str | None] = mapped_column(sa.String(36))
    no_device: Mapped[bool | None] = mapped_column(sa.Boolean)
    connection_info: Mapped[str | None] = mapped_column(base.MediumText)
    tag: Mapped[str | None] = mapped_column(sa.String(255))
