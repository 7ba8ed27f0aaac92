"""Instances and the records hanging off them: metadata, faults, actions,
network info cache, tags, migrations."""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from nimbus.db.models import base


def _instance_fk():
    return sa.ForeignKey('instances.uuid')


class Instance(base.NimbusBase, base.Base):
    __tablename__ = 'instances'
    # The unique constraint on uuid doubles as its index on every backend.
    __table_args__ = base.table_args(
        sa.UniqueConstraint('uuid'),
        sa.Index(None, 'project_id'),
        sa.Index(None, 'host'),
        sa.Index(None, 'reservation_id'),
        sa.Index(None, 'deleted', 'vm_state'),
    )

    uuid: Mapped[str] = mapped_column(sa.String(36), nullable=False)
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    project_id: Mapped[str | None] = mapped_column(sa.String(255))

    display_name: Mapped[str | None] = mapped_column(sa.String(255))
    display_description: Mapped[str | None] = mapped_column(sa.String(255))
    hostname: Mapped[str | None] = mapped_column(sa.String(255))

    # Where it runs: host is the compute service, node the hypervisor.
    host: Mapped[str | None] = mapped_column(sa.String(255))
    node: Mapped[str | None] = mapped_column(sa.String(255))
    launched_on: Mapped[str | None] = mapped_column(base.MediumText)

    image_ref: Mapped[str | None] = mapped_column(sa.String(255))
    kernel_id: Mapped[str | None] = mapped_column(sa.String(255))
    ramdisk_id: Mapped[str | None] = mapped_column(sa.String(255))
    root_device_name: Mapped[str | None] = mapped_column(sa.String(255))
    default_ephemeral_device: Mapped[str | None] = mapped_column(
        sa.String(255))
    default_swap_device: Mapped[str | None] = mapped_column(sa.String(255))
    config_drive: Mapped[str | None] = mapped_column(sa.String(255))

    key_name: Mapped[str | None] = mapped_column(sa.String(255))
    key_data: Mapped[str | None] = mapped_column(base.MediumText)
    user_data: Mapped[str | None] = mapped_column(base.MediumText)

    vm_state: Mapped[str | None] = mapped_column(sa.String(255))
    task_state: Mapped[str | None] = mapped_column(sa.String(255))
    power_state: Mapped[int | None] = mapped_column(sa.Integer)

    # The flavor at boot, copied so a later flavor change cannot alter it.
    instance_type_id: Mapped[int | None] = mapped_column(sa.Integer)
    memory_mb: Mapped[int | None] = mapped_column(sa.Integer)
    vcpus: Mapped[int | None] = mapped_column(sa.Integer)
    root_gb: Mapped[int | None] = mapped_column(sa.Integer)
    ephemeral_gb: Mapped[int | None] = mapped_column(sa.Integer)

    os_type: Mapped[str | None] = mapped_column(sa.String(255))
    architecture: Mapped[str | None] = mapped_column(sa.String(255))
    vm_mode: Mapped[str | None] = mapped_column(sa.String(255))
    availability_zone: Mapped[str | None] = mapped_column(sa.String(255))

    reservation_id: Mapped[str | None] = mapped_column(sa.String(255))
    launch_index: Mapped[int | None] = mapped_column(sa.Integer)
    scheduled_at: Mapped[datetime.datetime | None] = mapped_column(
        base.DateTime)
    launched_at: Mapped[datetime.datetime | None] = mapped_column(
        base.DateTime)
    terminated_at: Mapped[datetime.datetime | None] = mapped_column(
        base.DateTime)

    locked: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    locked_by: Mapped[str | None] = mapped_column(
        sa.Enum('owner', 'admin', name='instances0locked_by'))
    access_ip_v4: Mapped[str | None] = mapped_column(base.IPAddress)
    access_ip_v6: Mapped[str | None] = mapped_column(base.IPAddress)
    auto_disk_config: Mapped[bool | None] = mapped_column(sa.Boolean)
    progress: Mapped[int | None] = mapped_column(sa.Integer)
    shutdown_terminate: Mapped[bool | None] = mapped_column(
        sa.Boolean, default=False)
    disable_terminate: Mapped[bool | None] = mapped_column(
        sa.Boolean, default=False)
    # Set once the compute host has removed what it kept for a deleted
    # instance (disks, firewall chains).
    cleaned: Mapped[int | None] = mapped_column(sa.Integer, default=0)


class InstanceMetadata(base.NimbusBase, base.Base):
    """Metadata the user set on an instance."""

    __tablename__ = 'instance_metadata'
    __table_args__ = base.table_args(sa.Index(None, 'instance_uuid'))

    key: Mapped[str | None] = mapped_column(sa.String(255))
    value: Mapped[str | None] = mapped_column(sa.String(255))
    instance_uuid: Mapped[str | None] = mapped_column(
        sa.String(36), _instance_fk())


class InstanceSystemMetadata(base.NimbusBase, base.Base):
    """Metadata nimbus keeps on an instance (image properties, flavor)."""

    __tablename__ = 'instance_system_metadata'
    __table_args__ = base.table_args(sa.Index(None, 'instance_uuid'))

    key: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    value: Mapped[str | None] = mapped_column(sa.String(255))
    instance_uuid: Mapped[str] = mapped_column(
        sa.String(36), _instance_fk(), nullable=False)


class InstanceFault(base.NimbusBase, base.Base):
    __tablename__ = 'instance_faults'
    __table_args__ = base.table_args(
        sa.Index(None, 'instance_uuid', 'deleted', 'created_at'),
    )

    instance_uuid: Mapped[str | None] = mapped_column(
        sa.String(36), _instance_fk())
    code: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    message: Mapped[str | None] = mapped_column(sa.String(255))
    details: Mapped[str | None] = mapped_column(base.MediumText)
    host: Mapped[str | None] = mapped_column(sa.String(255))


class InstanceAction(base.NimbusBase, base.Base):
    """One user request against an instance (boot, reboot, resize...)."""

    __tablename__ = 'instance_actions'
    __table_args__ = base.table_args(
        sa.Index(None, 'instance_uuid', 'request_id'),
        sa.Index(None, 'request_id'),
    )

    action: Mapped[str | None] = mapped_column(sa.String(255))
    instance_uuid: Mapped[str | None] = mapped_column(
        sa.String(36), _instance_fk())
    request_id: Mapped[str | None] = mapped_column(sa.String(255))
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    start_time: Mapped[datetime.datetime | None] = mapped_column(base.DateTime)
    finish_time: Mapped[datetime.datetime | None] = mapped_column(
        base.DateTime)
    message: Mapped[str | None] = mapped_column(sa.String(255))


class InstanceActionEvent(base.NimbusBase, base.Base):
    """One step of an action, as a service carried it out."""

    __tablename__ = 'instance_actions_events'
    __table_args__ = base.table_args()

    event: Mapped[str | None] = mapped_column(sa.String(255))
    action_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey('instance_actions.id'), index=True)
    start_time: Mapped[datetime.datetime | None] = mapped_column(base.DateTime)
    finish_time: Mapped[datetime.datetime | None] = mapped_column(
        base.DateTime)
    result: Mapped[str | None] = mapped_column(sa.String(255))
    traceback: Mapped[str | None] = mapped_column(sa.Text)
    host: Mapped[str | None] = mapped_column(sa.String(255))
    details: Mapped[str | None] = mapped_column(sa.Text)


class InstanceInfoCache(base.NimbusBase, base.Base):
    """The network info of an instance, as the network service last told."""

    __tablename__ = 'instance_info_caches'
    __table_args__ = base.table_args(sa.UniqueConstraint('instance_uuid'))

    network_info: Mapped[str | None] = mapped_column(base.MediumText)
    instance_uuid: Mapped[str] = mapped_column(
        sa.String(36), _instance_fk(), nullable=False)


class Tag(base.Base):
    """A tag on a resource (instances for now); rows are really deleted."""

    __tablename__ = 'tags'
    __table_args__ = base.table_args(sa.Index(None, 'tag'))

    resource_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    tag: Mapped[str] = mapped_column(sa.Unicode(80), primary_key=True)


class Migration(base.NimbusBase, base.Base):
    """A resize, cold or live migration, or evacuation of an instance."""

    __tablename__ = 'migrations'
    __table_args__ = base.table_args(
        # instance_uuid first: it also serves the foreign key on MySQL.
        sa.Index(None, 'instance_uuid', 'status'),
        sa.Index(None, 'source_compute', 'status'),
        sa.Index(None, 'dest_compute', 'status'),
    )

    source_compute: Mapped[str | None] = mapped_column(sa.String(255))
    dest_compute: Mapped[str | None] = mapped_column(sa.String(255))
    source_node: Mapped[str | None] = mapped_column(sa.String(255))
    dest_node: Mapped[str | None] = mapped_column(sa.String(255))
    dest_host: Mapped[str | None] = mapped_column(sa.String(255))
    old_instance_type_id: Mapped[int | None] = mapped_column(sa.Integer)
    new_instance_type_id: Mapped[int | None] = mapped_column(sa.Integer)
    instance_uuid: Mapped[str | None] = mapped_column(
        sa.String(36), _instance_fk())
    status: Mapped[str | None] = mapped_column(sa.String(255))
    migration_type: Mapped[str | None] = mapped_column(
        sa.Enum('migration', 'resize', 'live-migration', 'evacuation',
                name='migration_type'))
