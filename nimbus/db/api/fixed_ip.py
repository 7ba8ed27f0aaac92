"""Fixed IPs: addresses of networks, allocated to instances, leased by
dnsmasq.

A fixed IP is free when it is not reserved, belongs to no instance, and is
neither allocated nor leased. Allocation claims the first free row with a
conditional UPDATE (compare-and-swap: ``... WHERE id = :id AND
instance_uuid IS NULL AND NOT reserved AND NOT allocated ...``); when
another allocation took the row first, the UPDATE changes nothing and the
next free row is tried. On PostgreSQL and MariaDB the UPDATE waits for a
competing allocation of the same row to end, then re-checks the row; on
SQLite writers are serialised (``BEGIN IMMEDIATE``). Allocations run in an
``allocation_transaction``: on MariaDB at READ COMMITTED, so that reading
the free rows again shows what other allocations committed (REPEATABLE
READ would show the first snapshot again). Free rows are found with a
plain read, not a locking one: on InnoDB a locking read that sorts keeps
every row it examined locked, and concurrent allocations would find none.

Multi-host networks: ``host`` of an instance's fixed IP is the instance's
host, and each host serving the network holds one reserved address of its
own (``host`` set, no instance), its DHCP server address.
"""

import contextlib
import functools

from oslo_utils import timeutils
import sqlalchemy as sa

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session
from nimbus import exception

FixedIp = models.FixedIp
Instance = models.Instance
Network = models.Network
VirtualInterface = models.VirtualInterface


def _by_address(context, address, for_update=False):
    stmt = utils.model_query(context, FixedIp).where(
        FixedIp.address == address)
    if for_update:
        stmt = stmt.with_for_update()
    row = context.session.scalars(stmt).first()
    if row is None:
        raise exception.FixedIpNotFoundForAddress(address=address)
    return row


def _is_free():
    return (FixedIp.deleted == 0, FixedIp.instance_uuid.is_(None),
            FixedIp.reserved == sa.false(), FixedIp.allocated == sa.false(),
            FixedIp.leased == sa.false())


def _claim(context, fixed_ip_id, values):
    """Give row ``fixed_ip_id`` ``values`` if it is still free."""
    result = utils.execute(
        context, _claim_statement(tuple(sorted(values))),
        dict({'v_' + key: value for key, value in values.items()},
             fixed_ip_id=fixed_ip_id))
    return result.rowcount == 1


@functools.cache
def _claim_statement(keys):
    return (sa.update(FixedIp)
            .where(FixedIp.id == sa.bindparam('fixed_ip_id'), *_is_free())
            .values({key: sa.bindparam('v_' + key) for key in keys}))


def _reload(context, fixed_ip_id):
    return context.session.scalars(
        sa.select(FixedIp).where(FixedIp.id == fixed_ip_id)
        .execution_options(populate_existing=True)).one()


def _free_rows(context, network_id, limit):
    return utils.dicts(context, _free_rows_statement(limit),
                       utils.column_keys(FixedIp), {'network_id': network_id})


@functools.cache
def _free_rows_statement(limit):
    return (utils.select_columns(FixedIp)
            .where(FixedIp.network_id == sa.bindparam('network_id'),
                   *_is_free())
            .order_by(FixedIp.id).limit(limit))


def _claim_first_free(context, network_id, values, network_name,
                      rounds=50, window=10):
    """Claim the first free row of a network that nobody else claims
    meanwhile; returns it as a dict, as the claim left it. Raises
    NoMoreFixedIps."""
    values = dict(values, updated_at=timeutils.utcnow())
    for _ in range(rounds):
        candidates = _free_rows(context, network_id, window)
        if not candidates:
            break
        for candidate in candidates:
            if _claim(context, candidate['id'], values):
                # A free row is not leased, reserved nor allocated and
                # has no instance: the claim changed only ``values``.
                candidate.update(values)
                return candidate
    raise exception.NoMoreFixedIps(net=network_name or network_id)


@contextlib.contextmanager
def allocation_transaction(context):
    """A writer transaction in which addresses are claimed (see above).

    Must be the outermost transaction of ``context``: the isolation level
    is set before its first statement. ``SET TRANSACTION`` (no SESSION)
    sets it for the next transaction only, in one round trip; the
    connection's own level (SQLAlchemy's ``isolation_level`` execution
    option) would take four: SET and COMMIT, then both again to restore
    it when the connection goes back to the pool.
    """
    with session.writer.using(context) as db:
        if db.get_bind().dialect.name in ('mysql', 'mariadb'):
            db.connection().exec_driver_sql(
                'SET TRANSACTION ISOLATION LEVEL READ COMMITTED')
        yield db


@session.reader
def fixed_ip_get_by_address(context, address):
    return _by_address(context, address).as_dict()


@session.reader
def fixed_ip_get_by_instance(context, instance_uuid):
    """The live fixed IPs associated with an instance (allocated, or
    deallocated and waiting for their lease to end), by id."""
    return utils.rows_as_dicts(context.session.scalars(
        utils.model_query(context, FixedIp)
        .where(FixedIp.instance_uuid == instance_uuid)
        .order_by(FixedIp.id)))


@session.writer
def fixed_ip_associate_pool(context, network_id, instance_uuid,
                            virtual_interface_id, host=None,
                            network_name=None):
    """Allocate the first free address of a network to an instance, in
    the caller's ``allocation_transaction``.

    Raises NoMoreFixedIps (naming ``network_name``) when none is free.
    Returns the fixed IP as a dict.
    """
    return _claim_first_free(
        context, network_id,
        {'instance_uuid': instance_uuid, 'allocated': True,
         'virtual_interface_id': virtual_interface_id, 'host': host},
        network_name)


@session.writer
def fixed_ip_associate(context, network_id, address, instance_uuid,
                       virtual_interface_id, host=None, network_uuid=None):
    """Allocate a given address of a network to an instance.

    Raises FixedIpNotFoundForNetwork when the network has no such
    address, FixedIpReserved or FixedIpAlreadyInUse when it cannot be had.
    """
    try:
        row = _by_address(context, address, for_update=True)
    except exception.FixedIpNotFoundForAddress:
        row = None
    if row is None or row.network_id != network_id:
        raise exception.FixedIpNotFoundForNetwork(
            address=address, network_uuid=network_uuid or network_id)
    if row.reserved:
        raise exception.FixedIpReserved(address=address)
    if not _claim(context, row.id, {
            'instance_uuid': instance_uuid, 'allocated': True,
            'virtual_interface_id': virtual_interface_id, 'host': host,
            'updated_at': timeutils.utcnow()}):
        row = _reload(context, row.id)
        raise exception.FixedIpAlreadyInUse(
            address=address, instance_uuid=row.instance_uuid or '(none)')
    return _reload(context, row.id).as_dict()


@session.reader
def fixed_ip_get_host_address(context, network_id, host):
    """The address ``host`` holds on a multi_host network, or None."""
    return context.session.scalar(
        sa.select(FixedIp.address).where(
            FixedIp.network_id == network_id, FixedIp.host == host,
            FixedIp.instance_uuid.is_(None), FixedIp.reserved == sa.true(),
            FixedIp.deleted == 0).order_by(FixedIp.id).limit(1))


@session.retry_on_deadlock
def fixed_ip_reserve_host_address(context, network_id, host,
                                  network_name=None):
    """The address ``host`` holds on a multi_host network, reserving a
    free one for it the first time. Raises NoMoreFixedIps."""
    with allocation_transaction(context) as db:
        # One host address per host: serialise on the network's row.
        db.scalars(sa.select(Network.id).where(
            Network.id == network_id).with_for_update()).first()
        address = db.scalar(
            sa.select(FixedIp.address).where(
                FixedIp.network_id == network_id, FixedIp.host == host,
                FixedIp.instance_uuid.is_(None),
                FixedIp.reserved == sa.true(),
                FixedIp.deleted == 0).order_by(FixedIp.id).limit(1))
        if address is not None:
            return address
        return _claim_first_free(
            context, network_id, {'reserved': True, 'host': host},
            network_name)['address']


@session.writer
def fixed_ip_deallocate_for_instance(context, instance_uuid, force_release):
    """Deallocate every fixed IP allocated to an instance.

    An address whose lease is still held stays associated with the
    instance until dnsmasq reports the lease's end (or it times out),
    unless ``force_release`` says the lease is being released now. The
    others go back to the pool at once. Returns the deallocated IPs as
    dicts (as they were before), each with ``mac`` (its interface's) and
    ``disassociated``.
    """
    deallocated = utils.dicts(
        context, _allocated_to_instance(),
        utils.column_keys(FixedIp) + ['mac'],
        {'instance_uuid': instance_uuid})
    released, kept = [], []
    for entry in deallocated:
        entry['disassociated'] = bool(force_release or not entry['leased'])
        (released if entry['disassociated'] else kept).append(entry['id'])
    now = timeutils.utcnow()
    if released:
        utils.execute(context, _deallocate_statement(True),
                      {'ids': released, 'now': now})
    if kept:
        utils.execute(context, _deallocate_statement(False),
                      {'ids': kept, 'now': now})
    return deallocated


@utils.prebuilt
def _allocated_to_instance():
    # The rows are locked (FOR UPDATE) until the transaction ends; the MAC
    # is read with them in the same statement.
    mac = (sa.select(VirtualInterface.address)
           .where(VirtualInterface.id == FixedIp.virtual_interface_id)
           .scalar_subquery())
    return (utils.select_columns(FixedIp, mac)
            .where(FixedIp.deleted == 0,
                   FixedIp.instance_uuid == sa.bindparam('instance_uuid'),
                   FixedIp.allocated == sa.true())
            .order_by(FixedIp.id).with_for_update())


@functools.cache
def _deallocate_statement(disassociate):
    values = {'allocated': False, 'updated_at': sa.bindparam('now')}
    if disassociate:
        values.update(_DISASSOCIATED)
    return (sa.update(FixedIp)
            .where(FixedIp.id.in_(sa.bindparam('ids', expanding=True)))
            .values(values))


# A fixed IP back in the pool.
_DISASSOCIATED = {'instance_uuid': None, 'virtual_interface_id': None,
                  'leased': False, 'host': None}


def _disassociate(row):
    row.instance_uuid = None
    row.virtual_interface_id = None
    row.leased = False
    row.host = None


@session.writer
def fixed_ip_disassociate_all_by_timeout(context, updated_before):
    """Return to the pool deallocated addresses whose lease never ended,
    last changed before ``updated_before``; returns how many."""
    result = context.session.execute(
        sa.update(FixedIp)
        .where(FixedIp.deleted == 0, FixedIp.allocated == sa.false(),
               FixedIp.instance_uuid.is_not(None),
               FixedIp.updated_at < updated_before)
        .values(instance_uuid=None, virtual_interface_id=None, leased=False,
                host=None, updated_at=timeutils.utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount


@session.reader
def fixed_ip_get_dhcp_hosts(context, network_id, host=None):
    """DHCP host entries of a network: its allocated addresses with the
    MAC of their interface and the hostname of their instance; with
    ``host``, only those of instances on that host (multi_host)."""
    stmt = (sa.select(FixedIp.address, FixedIp.instance_uuid,
                      VirtualInterface.address.label('mac'),
                      Instance.hostname)
            .join(VirtualInterface,
                  VirtualInterface.id == FixedIp.virtual_interface_id)
            .outerjoin(Instance, sa.and_(
                Instance.uuid == FixedIp.instance_uuid,
                Instance.deleted == 0))
            .where(FixedIp.network_id == network_id, FixedIp.deleted == 0,
                   FixedIp.allocated == sa.true(),
                   FixedIp.instance_uuid.is_not(None),
                   VirtualInterface.deleted == 0)
            .order_by(FixedIp.id))
    if host is not None:
        stmt = stmt.where(FixedIp.host == host)
    return [{'address': row.address, 'mac': row.mac,
             'instance_uuid': row.instance_uuid,
             'hostname': row.hostname or
             'host-' + row.address.replace('.', '-')}
            for row in context.session.execute(stmt)]


@session.writer
def fixed_ip_set_leased(context, address, mac, leased):
    """Record a DHCP lease event for ``address`` handed to ``mac``.

    The MAC must be that of the address's virtual interface: a lease seen
    for another MAC changes nothing.  When a lease ends on an address no
    longer allocated, the address goes back to the pool. A lease of an
    address no instance has is refused (FixedIpNotAssociated).
    """
    row = _by_address(context, address)
    if row.virtual_interface_id is not None:
        vif = context.session.get(VirtualInterface, row.virtual_interface_id)
        if vif is not None and vif.address.lower() != mac.lower():
            raise exception.FixedIpMacMismatch(address=address,
                                               expected=vif.address, mac=mac)
    elif leased and row.instance_uuid is None:
        # A lease dnsmasq remembers for an address nimbus has not given
        # out (as Nova): marking it would keep it from the pool forever.
        raise exception.FixedIpNotAssociated(address=address)
    row.leased = leased
    if not leased and not row.allocated and not row.reserved:
        _disassociate(row)
    return row.as_dict()
