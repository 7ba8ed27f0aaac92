"""nova-network's tables: networks, fixed and floating IPs, VIFs."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from nimbus.db.models import base


class Network(base.NimbusBase, base.Base):
    __tablename__ = 'networks'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('vlan', 'deleted'),
        sa.Index(None, 'bridge', 'deleted'),
        sa.Index(None, 'host'),
        sa.Index(None, 'project_id', 'deleted'),
        sa.Index(None, 'uuid'),
        sa.Index(None, 'cidr_v6'),
    )

    uuid: Mapped[str | None] = mapped_column(sa.String(36))
    label: Mapped[str | None] = mapped_column(sa.String(255))
    injected: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    cidr: Mapped[str | None] = mapped_column(base.CIDR)
    cidr_v6: Mapped[str | None] = mapped_column(base.CIDR)
    multi_host: Mapped[bool | None] = mapped_column(sa.Boolean,
                                                    default=False)
    netmask: Mapped[str | None] = mapped_column(base.IPAddress)
    gateway: Mapped[str | None] = mapped_column(base.IPAddress)
    broadcast: Mapped[str | None] = mapped_column(base.IPAddress)
    netmask_v6: Mapped[str | None] = mapped_column(base.IPAddress)
    gateway_v6: Mapped[str | None] = mapped_column(base.IPAddress)
    dns1: Mapped[str | None] = mapped_column(base.IPAddress)
    dns2: Mapped[str | None] = mapped_column(base.IPAddress)
    bridge: Mapped[str | None] = mapped_column(sa.String(255))
    bridge_interface: Mapped[str | None] = mapped_column(sa.String(255))
    vlan: Mapped[int | None] = mapped_column(sa.Integer)
    vpn_public_address: Mapped[str | None] = mapped_column(base.IPAddress)
    vpn_public_port: Mapped[int | None] = mapped_column(sa.Integer)
    vpn_private_address: Mapped[str | None] = mapped_column(base.IPAddress)
    dhcp_start: Mapped[str | None] = mapped_column(base.IPAddress)
    dhcp_server: Mapped[str | None] = mapped_column(base.IPAddress)
    enable_dhcp: Mapped[bool | None] = mapped_column(sa.Boolean,
                                                     default=True)
    share_address: Mapped[bool | None] = mapped_column(sa.Boolean,
                                                       default=False)
    rxtx_base: Mapped[int | None] = mapped_column(sa.Integer)
    mtu: Mapped[int | None] = mapped_column(sa.Integer)
    priority: Mapped[int | None] = mapped_column(sa.Integer)
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    # The network host serving it; NULL with multi_host.
    host: Mapped[str | None] = mapped_column(sa.String(255))


class VirtualInterface(base.NimbusBase, base.Base):
    """A NIC of an instance on one network (its MAC address)."""

    __tablename__ = 'virtual_interfaces'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('address', 'deleted'),
        sa.Index(None, 'network_id'),
        sa.Index(None, 'instance_uuid'),
    )

    address: Mapped[str | None] = mapped_column(sa.String(255))
    network_id: Mapped[int | None] = mapped_column(sa.Integer)
    instance_uuid: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey('instances.uuid'))
    uuid: Mapped[str | None] = mapped_column(sa.String(36))
    tag: Mapped[str | None] = mapped_column(sa.String(255))


class FixedIp(base.NimbusBase, base.Base):
    """An address of a network; allocated to an instance, then leased."""

    __tablename__ = 'fixed_ips'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('address', 'deleted'),
        sa.Index(None, 'network_id', 'host', 'deleted'),
        sa.Index(None, 'instance_uuid'),
        sa.Index(None, 'virtual_interface_id'),
        sa.Index(None, 'host'),
    )

    address: Mapped[str | None] = mapped_column(base.IPAddress)
    network_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey('networks.id'))
    virtual_interface_id: Mapped[int | None] = mapped_column(sa.Integer)
    instance_uuid: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey('instances.uuid'))
    # allocated: given to an instance; leased: dnsmasq handed it out.
    allocated: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    leased: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    reserved: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    host: Mapped[str | None] = mapped_column(sa.String(255))


class FloatingIp(base.NimbusBase, base.Base):
    __tablename__ = 'floating_ips'
    __table_args__ = base.table_args(
        sa.UniqueConstraint('address', 'deleted'),
        sa.Index(None, 'fixed_ip_id'),
        sa.Index(None, 'project_id'),
        sa.Index(None, 'pool', 'deleted'),
        sa.Index(None, 'host'),
    )

    address: Mapped[str | None] = mapped_column(base.IPAddress)
    fixed_ip_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey('fixed_ips.id'))
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    host: Mapped[str | None] = mapped_column(sa.String(255))
    auto_assigned: Mapped[bool | None] = mapped_column(sa.Boolean,
                                                       default=False)
    pool: Mapped[str | None] = mapped_column(sa.String(255))
    interface: Mapped[str | None] = mapped_column(sa.String(255))
