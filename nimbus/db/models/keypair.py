"""SSH (or x509) key pairs, owned by users."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from nimbus.db.models import base


class KeyPair(base.NimbusBase, base.Base):
    __tablename__ = 'key_pairs'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('user_id', 'name', 'deleted'),
    )

    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    fingerprint: Mapped[str | None] = mapped_column(sa.String(255))
    public_key: Mapped[str | None] = mapped_column(base.MediumText)
    type: Mapped[str] = mapped_column(
        sa.Enum('ssh', 'x509', name='keypair_types'),
        nullable=False, default='ssh')
