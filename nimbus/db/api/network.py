"""Networks of nova-network: created by the operator with their fixed IPs,
given to projects (VlanManager) and to network hosts.

Locking reads (``FOR UPDATE``) are used where two network services may
race for the same row; SQLite ignores them, and serialises writers anyway.
"""

import functools
import ipaddress

from oslo_utils import timeutils
import sqlalchemy as sa

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session
from nimbus import exception

Network = models.Network
FixedIp = models.FixedIp

# Rows of fixed_ips inserted per statement when a network is created.
_FIXED_IP_BATCH = 1000


def _network_query(context, read_deleted=None):
    return utils.model_query(context, Network,
                             read_deleted=read_deleted).order_by(Network.id)


def _network_get(context, network_id, for_update=False):
    stmt = _network_query(context).where(Network.id == network_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = context.session.scalars(stmt).first()
    if row is None:
        raise exception.NetworkNotFound(network_id=network_id)
    return row


def _describe(row):
    return '%s (%s)' % (row.label, row.uuid)


def _check_conflicts(context, values):
    """Refuse a network overlapping, or sharing a VLAN or bridge with, a
    live network."""
    new_cidr = ipaddress.ip_network(values['cidr'])
    for other in context.session.scalars(_network_query(context)):
        if other.cidr and new_cidr.overlaps(ipaddress.ip_network(
                other.cidr)):
            raise exception.CidrConflict(cidr=values['cidr'],
                                         other=_describe(other),
                                         other_cidr=other.cidr)
        if values.get('vlan') is not None and other.vlan == values['vlan']:
            raise exception.DuplicateVlan(vlan=values['vlan'],
                                          other=_describe(other))
        if values.get('bridge') and other.bridge == values['bridge']:
            raise exception.BridgeInUse(bridge=values['bridge'],
                                        other=_describe(other))


@session.retry_on_deadlock
@session.writer
def network_create_many(context, networks):
    """Create networks with all their fixed IPs, in one transaction.

    ``networks`` is a list of (values, reserved): ``values`` are networks
    columns (``cidr`` required), ``reserved`` the addresses of the network
    never given to an instance. One fixed_ips row is written per address
    of the cidr. Raises CidrConflict, DuplicateVlan or BridgeInUse (and
    writes nothing) when a network clashes with a live one or another of
    the list. Returns the created networks as dicts.
    """
    created = []
    for values, reserved in networks:
        _check_conflicts(context, values)
        row = Network()
        row.update(values)
        row.save(context.session)
        rows = [{'network_id': row.id, 'address': str(address),
                 'reserved': str(address) in reserved, 'allocated': False,
                 'leased': False, 'deleted': 0}
                for address in ipaddress.ip_network(row.cidr)]
        for start in range(0, len(rows), _FIXED_IP_BATCH):
            context.session.execute(sa.insert(FixedIp),
                                    rows[start:start + _FIXED_IP_BATCH])
        created.append(row)
    context.session.flush()
    return utils.rows_as_dicts(created)


@session.reader
def network_get(context, network_id):
    return _network_get(context, network_id).as_dict()


@session.reader
def network_get_by_uuid(context, network_uuid):
    row = context.session.scalars(_network_query(context).where(
        Network.uuid == network_uuid)).first()
    if row is None:
        raise exception.NetworkNotFound(network_id=network_uuid)
    return row.as_dict()


@session.reader
def network_get_by_cidr(context, cidr):
    row = context.session.scalars(_network_query(context).where(
        Network.cidr == cidr)).first()
    if row is None:
        raise exception.NetworkNotFoundForCidr(cidr=cidr)
    return row.as_dict()


@session.reader
def network_get_all(context):
    """Every live network, by id."""
    return utils.rows_as_dicts(context.session.scalars(
        _network_query(context)))


@session.reader
def network_get_all_for_project(context, project_id, allow_unowned=True):
    """The networks of ``project_id``, and with ``allow_unowned`` those
    of no project (flat networks shared by all)."""
    return utils.dicts(context, _networks_for_project(allow_unowned),
                       utils.column_keys(Network), {'project_id': project_id})


@functools.cache
def _networks_for_project(allow_unowned):
    owned = Network.project_id == sa.bindparam('project_id')
    if allow_unowned:
        owned = sa.or_(owned, Network.project_id.is_(None))
    return (utils.select_columns(Network)
            .where(Network.deleted == 0, owned).order_by(Network.id))


@session.reader
def network_get_all_by_uuids(context, network_uuids):
    """The live networks with these uuids, in the order asked; raises
    NetworkNotFound naming the first missing one."""
    rows = {row.uuid: row for row in context.session.scalars(
        _network_query(context).where(Network.uuid.in_(network_uuids)))}
    for network_uuid in network_uuids:
        if network_uuid not in rows:
            raise exception.NetworkNotFound(network_id=network_uuid)
    return [rows[network_uuid].as_dict() for network_uuid in network_uuids]


@session.reader
def network_get_all_by_host(context, host):
    """Networks this host serves: those whose network host it is, and
    multi_host networks where it holds an address of its own."""
    hosted = Network.host == host
    with_address = sa.and_(Network.multi_host == sa.true(), Network.id.in_(
        sa.select(FixedIp.network_id).where(FixedIp.host == host,
                                            FixedIp.deleted == 0)))
    return utils.rows_as_dicts(context.session.scalars(
        _network_query(context).where(sa.or_(hosted, with_address))))


@session.retry_on_deadlock
@session.writer
def network_set_host(context, network_id, host):
    """Make ``host`` the network host of a network that has none; returns
    the network (whose host may be another that got there first)."""
    context.session.execute(
        sa.update(Network)
        .where(Network.id == network_id, Network.host.is_(None),
               Network.deleted == 0)
        .values(host=host)
        .execution_options(synchronize_session=False))
    return context.session.scalars(
        _network_query(context).where(Network.id == network_id)
        .execution_options(populate_existing=True)).one().as_dict()


def _first_unowned_vlan_network(context):
    return context.session.scalars(
        _network_query(context)
        .where(Network.project_id.is_(None), Network.vlan.is_not(None))
        .limit(1).with_for_update()).first()


def _project_networks_locked(context, project_id):
    return list(context.session.scalars(
        _network_query(context).where(Network.project_id == project_id)
        .with_for_update()))


@session.retry_on_deadlock
@session.writer
def network_associate(context, project_id, attempts=5):
    """The VLAN networks of ``project_id``; gives it a free one first
    when it has none. Raises NoMoreNetworks when none is free.

    Two first boots of one project must not take two networks: every
    association first locks the lowest free network, so they queue, and
    the project's networks are then read with a locking read, which sees
    what the transaction before committed (even under REPEATABLE READ).
    """
    for _ in range(attempts):
        candidate = _first_unowned_vlan_network(context)
        owned = _project_networks_locked(context, project_id)
        if owned:
            return utils.rows_as_dicts(owned)
        if candidate is None:
            # PostgreSQL may skip a row taken while we waited for it; look
            # again before concluding that nothing is left.
            continue
        result = context.session.execute(
            sa.update(Network)
            .where(Network.id == candidate.id, Network.project_id.is_(None))
            .values(project_id=project_id)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            row = context.session.scalars(
                _network_query(context).where(Network.id == candidate.id)
                .execution_options(populate_existing=True)).one()
            return [row.as_dict()]
    raise exception.NoMoreNetworks()


@session.writer
def network_delete_safe(context, network_id):
    """Soft-delete a network and its fixed IPs; refuses (NetworkInUse,
    nothing changed) while any of them is allocated to an instance."""
    network = _network_get(context, network_id, for_update=True)
    allocated = context.session.scalar(
        sa.select(sa.func.count(FixedIp.id)).where(
            FixedIp.network_id == network_id, FixedIp.deleted == 0,
            FixedIp.allocated == sa.true()))
    if allocated:
        raise exception.NetworkInUse(
            network_id=network.uuid,
            reason='%d fixed IP(s) allocated to instances' % allocated)
    context.session.execute(
        sa.update(FixedIp)
        .where(FixedIp.network_id == network_id, FixedIp.deleted == 0)
        .values(deleted=FixedIp.id, deleted_at=timeutils.utcnow())
        .execution_options(synchronize_session=False))
    deleted = network.as_dict()
    network.soft_delete(context.session)
    return deleted
