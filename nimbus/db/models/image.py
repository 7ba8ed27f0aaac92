"""The image service's own tables, in the Glance v2 shape."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from nimbus.db.models import base


def _image_fk():
    return sa.ForeignKey('images.id')


class Image(base.TimestampMixin, base.SoftDeleteMixin, base.Base):
    __tablename__ = 'images'
    __table_args__ = base.table_args(
        sa.Index(None, 'checksum'),
        sa.Index(None, 'owner'),
        sa.Index(None, 'status'),
        sa.Index(None, 'visibility'),
        sa.Index(None, 'os_hash_value'),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(255))
    # queued -> saving -> active; killed, deleted, deactivated.
    status: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    visibility: Mapped[str] = mapped_column(
        sa.Enum('private', 'public', 'shared', 'community',
                name='image_visibility'),
        nullable=False, default='shared')
    disk_format: Mapped[str | None] = mapped_column(sa.String(20))
    container_format: Mapped[str | None] = mapped_column(sa.String(20))
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    virtual_size: Mapped[int | None] = mapped_column(sa.BigInteger)
    checksum: Mapped[str | None] = mapped_column(sa.String(32))
    os_hash_algo: Mapped[str | None] = mapped_column(sa.String(64))
    os_hash_value: Mapped[str | None] = mapped_column(sa.String(128))
    min_disk: Mapped[int] = mapped_column(sa.Integer, nullable=False,
                                          default=0)
    min_ram: Mapped[int] = mapped_column(sa.Integer, nullable=False,
                                         default=0)
    protected: Mapped[bool] = mapped_column(sa.Boolean, nullable=False,
                                            default=False)
    owner: Mapped[str | None] = mapped_column(sa.String(255))


class ImageProperty(base.NimbusBase, base.Base):
    """A free-form property (kernel_id, ramdisk_id, os_distro, ...)."""

    __tablename__ = 'image_properties'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('image_id', 'name', 'deleted'),
    )

    image_id: Mapped[str] = mapped_column(
        sa.String(36), _image_fk(), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    value: Mapped[str | None] = mapped_column(sa.Text)


class ImageTag(base.NimbusBase, base.Base):
    __tablename__ = 'image_tags'
    __table_args__ = base.table_args(sa.Index(None, 'image_id', 'value'))

    image_id: Mapped[str] = mapped_column(
        sa.String(36), _image_fk(), nullable=False)
    value: Mapped[str] = mapped_column(sa.String(255), nullable=False)


class ImageMember(base.NimbusBase, base.Base):
    """A project an image is shared with."""

    __tablename__ = 'image_members'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('image_id', 'member', 'deleted'),
    )

    image_id: Mapped[str] = mapped_column(
        sa.String(36), _image_fk(), nullable=False)
    member: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    can_share: Mapped[bool] = mapped_column(sa.Boolean, nullable=False,
                                            default=False)
    # pending, accepted, rejected
    status: Mapped[str] = mapped_column(sa.String(20), nullable=False,
                                        default='pending')


class ImageLocation(base.NimbusBase, base.Base):
    """Where an image's data is stored (a file:// URL with the filesystem
    store)."""

    __tablename__ = 'image_locations'
    __table_args__ = base.table_args(sa.Index(None, 'image_id'))

    image_id: Mapped[str] = mapped_column(
        sa.String(36), _image_fk(), nullable=False)
    value: Mapped[str] = mapped_column(sa.Text, nullable=False)
    # JSON: store-specific details of the location.
    meta_data: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(30), nullable=False,
                                        default='active')
