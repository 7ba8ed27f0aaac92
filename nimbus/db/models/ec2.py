"""EC2 ids: the integer behind i-/ami-/vol-/snap-XXXXXXXX for each uuid.

One table per kind, as Nova had; the EC2 id is the row id in hex.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from nimbus.db.models import base


class _Ec2IdMapping(base.NimbusBase):
    uuid: Mapped[str] = mapped_column(sa.String(36), nullable=False,
                                      unique=True)


class InstanceIdMapping(_Ec2IdMapping, base.Base):
    __tablename__ = 'ec2_instances'
    __table_args__ = base.table_args()


class S3Image(_Ec2IdMapping, base.Base):
    """Image ids: ami-, aki- and ari- share one sequence."""

    __tablename__ = 's3_images'
    __table_args__ = base.table_args()


class VolumeIdMapping(_Ec2IdMapping, base.Base):
    __tablename__ = 'ec2_volumes'
    __table_args__ = base.table_args()


class SnapshotIdMapping(_Ec2IdMapping, base.Base):
    __tablename__ = 'ec2_snapshots'
    __table_args__ = base.table_args()
