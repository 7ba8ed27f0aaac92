"""Floating IPs: public addresses in pools, allocated to a project, then
associated with one fixed IP (of an instance).

A row is free when ``project_id`` is NULL. Allocation claims the first
free row of a pool with a conditional UPDATE (``... WHERE id = :id AND
project_id IS NULL``), as fixed IPs are claimed; association likewise
only changes a row whose ``fixed_ip_id`` is still NULL, so two requests
cannot both associate one address.
"""

from oslo_utils import timeutils
import sqlalchemy as sa

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session
from nimbus import exception

FloatingIp = models.FloatingIp
FixedIp = models.FixedIp


def _by_address(context, address):
    row = context.session.scalars(utils.model_query(context, FloatingIp)
                                  .where(FloatingIp.address == address)
                                  ).first()
    if row is None:
        raise exception.FloatingIpNotFoundForAddress(address=address)
    return row


def _with_fixed(context, rows):
    """Rows as dicts with ``fixed_ip`` (address) and ``instance_uuid`` of
    the fixed IP each is associated with (None when not associated)."""
    dicts = [row.as_dict() for row in rows]
    fixed_ids = {d['fixed_ip_id'] for d in dicts if d['fixed_ip_id']}
    fixed = {}
    if fixed_ids:
        fixed = {row.id: row for row in context.session.scalars(
            sa.select(FixedIp).where(FixedIp.id.in_(fixed_ids)))}
    for d in dicts:
        row = fixed.get(d['fixed_ip_id'])
        d['fixed_ip'] = row.address if row is not None else None
        d['instance_uuid'] = row.instance_uuid if row is not None else None
        d['network_id'] = row.network_id if row is not None else None
    return dicts


def _sorted(stmt):
    return stmt.order_by(FloatingIp.id)


@session.writer
def floating_ip_bulk_create(context, addresses, pool, interface):
    """Create free floating IPs; FloatingIpExists (nothing written) when
    any of ``addresses`` exists already."""
    existing = list(context.session.scalars(
        sa.select(FloatingIp.address).where(
            FloatingIp.deleted == 0, FloatingIp.address.in_(addresses))))
    if existing:
        raise exception.FloatingIpExists(address=sorted(existing)[0])
    context.session.add_all(
        FloatingIp(address=address, pool=pool, interface=interface,
                   auto_assigned=False) for address in addresses)
    context.session.flush()
    return len(addresses)


@session.writer
def floating_ip_bulk_destroy(context, addresses):
    """Delete floating IPs; FloatingIpInUse (nothing deleted) when any is
    allocated to a project."""
    rows = list(context.session.scalars(
        utils.model_query(context, FloatingIp)
        .where(FloatingIp.address.in_(addresses))))
    busy = sorted(row.address for row in rows if row.project_id)
    if busy:
        raise exception.FloatingIpInUse(address=busy[0])
    for row in rows:
        row.soft_delete(context.session)
    context.session.flush()
    return len(rows)


@session.reader
def floating_ip_get_all(context):
    return _with_fixed(context, context.session.scalars(
        _sorted(utils.model_query(context, FloatingIp))))


@session.reader
def floating_ip_get_all_by_project(context, project_id):
    """A project's floating IPs, auto-assigned ones excepted (as Nova)."""
    return _with_fixed(context, context.session.scalars(_sorted(
        utils.model_query(context, FloatingIp).where(
            FloatingIp.project_id == project_id,
            sa.or_(FloatingIp.auto_assigned.is_(None),
                   FloatingIp.auto_assigned == sa.false())))))


@session.reader
def floating_ip_get_all_by_host(context, host):
    """The associated floating IPs this network host serves."""
    return _with_fixed(context, context.session.scalars(_sorted(
        utils.model_query(context, FloatingIp).where(
            FloatingIp.host == host, FloatingIp.fixed_ip_id.isnot(None)))))


@session.reader
def floating_ip_get(context, floating_ip_id):
    row = context.session.scalars(utils.model_query(context, FloatingIp)
                                  .where(FloatingIp.id == floating_ip_id)
                                  ).first()
    if row is None:
        raise exception.FloatingIpNotFound(id=floating_ip_id)
    return _with_fixed(context, [row])[0]


@session.reader
def floating_ip_get_by_address(context, address):
    return _with_fixed(context, [_by_address(context, address)])[0]


@session.reader
def floating_ip_get_by_instance(context, instance_uuid):
    """Floating IPs associated with any fixed IP of the instance."""
    stmt = (utils.model_query(context, FloatingIp)
            .join(FixedIp, FixedIp.id == FloatingIp.fixed_ip_id)
            .where(FixedIp.instance_uuid == instance_uuid,
                   FixedIp.deleted == 0))
    return _with_fixed(context, context.session.scalars(_sorted(stmt)))


@session.reader
def floating_ip_addresses_by_instance(context, instance_uuid):
    """(address, auto_assigned) of the floating IPs associated with any
    fixed IP of the instance: one plain read, usually finding none."""
    return [tuple(row) for row in utils.rows(
        context, _addresses_by_instance(), {'instance_uuid': instance_uuid})]


@utils.prebuilt
def _addresses_by_instance():
    return (sa.select(FloatingIp.address, FloatingIp.auto_assigned)
            .join(FixedIp, FixedIp.id == FloatingIp.fixed_ip_id)
            .where(FixedIp.instance_uuid == sa.bindparam('instance_uuid'),
                   FixedIp.deleted == 0, FloatingIp.deleted == 0)
            .order_by(FloatingIp.id))


@session.reader
def floating_ip_get_pools(context):
    return sorted(set(context.session.scalars(
        sa.select(FloatingIp.pool).where(FloatingIp.deleted == 0,
                                         FloatingIp.pool.isnot(None)))))


@session.writer
def floating_ip_allocate_address(context, project_id, pool,
                                 auto_assigned=False):
    """Give the project a free address of ``pool``; NoMoreFloatingIps."""
    for _ in range(20):
        candidates = list(context.session.scalars(
            sa.select(FloatingIp.id).where(
                FloatingIp.deleted == 0, FloatingIp.pool == pool,
                FloatingIp.project_id.is_(None))
            .order_by(FloatingIp.id).limit(10)))
        if not candidates:
            break
        for floating_ip_id in candidates:
            result = context.session.execute(
                sa.update(FloatingIp)
                .where(FloatingIp.id == floating_ip_id,
                       FloatingIp.project_id.is_(None))
                .values(project_id=project_id, auto_assigned=auto_assigned,
                        updated_at=timeutils.utcnow())
                .execution_options(synchronize_session=False))
            if result.rowcount == 1:
                row = context.session.scalars(
                    sa.select(FloatingIp).where(FloatingIp.id ==
                                                floating_ip_id)
                    .execution_options(populate_existing=True)).one()
                return _with_fixed(context, [row])[0]
    raise exception.NoMoreFloatingIps(pool=pool)


@session.writer
def floating_ip_deallocate(context, address):
    """Return an address to its pool (it must not be associated)."""
    row = _by_address(context, address)
    if row.fixed_ip_id is not None:
        raise exception.FloatingIpAssociated(address=address)
    row.update({'project_id': None, 'host': None, 'auto_assigned': False})
    context.session.add(row)
    context.session.flush()
    return row.as_dict()


@session.writer
def floating_ip_fixed_ip_associate(context, floating_address, fixed_address,
                                   host):
    """Associate a floating IP with a fixed IP, served by ``host``;
    returns the fixed IP's dict. FloatingIpAssociated when it already is
    associated (with another fixed IP)."""
    floating = _by_address(context, floating_address)
    fixed = context.session.scalars(utils.model_query(context, FixedIp)
                                    .where(FixedIp.address == fixed_address)
                                    ).first()
    if fixed is None:
        raise exception.FixedIpNotFoundForAddress(address=fixed_address)
    if floating.fixed_ip_id == fixed.id:
        return fixed.as_dict()
    result = context.session.execute(
        sa.update(FloatingIp)
        .where(FloatingIp.id == floating.id, FloatingIp.fixed_ip_id.is_(None))
        .values(fixed_ip_id=fixed.id, host=host,
                updated_at=timeutils.utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise exception.FloatingIpAssociated(address=floating_address)
    return fixed.as_dict()


@session.writer
def floating_ip_disassociate(context, address):
    """Undo the association; returns (floating dict before, fixed IP
    dict), or (floating dict, None) when it was not associated."""
    row = _by_address(context, address)
    before = _with_fixed(context, [row])[0]
    if row.fixed_ip_id is None:
        return before, None
    fixed = context.session.scalars(
        sa.select(FixedIp).where(FixedIp.id == row.fixed_ip_id)).first()
    row.update({'fixed_ip_id': None, 'host': None})
    context.session.add(row)
    context.session.flush()
    return before, fixed.as_dict() if fixed is not None else None
