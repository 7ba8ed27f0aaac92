"""Services: one row per daemon (binary) per host, kept alive by heartbeats."""

import functools

from oslo_db import exception as db_exc
from oslo_utils import timeutils
import sqlalchemy as sa

from nimbus.db.api import utils
from nimbus.db import exception
from nimbus.db import models
from nimbus.db import session

Service = models.Service


def _service_query(context):
    return utils.model_query(context, Service).order_by(Service.id)


def _service_get(context, service_id):
    row = context.session.scalars(
        _service_query(context).where(Service.id == service_id)).first()
    if row is None:
        raise exception.ServiceNotFound(service_id=service_id)
    return row


def _save(context, service):
    # Read before flushing: after a failed flush the row cannot be loaded.
    host, binary, topic = service.host, service.binary, service.topic
    try:
        service.save(context.session)
    except db_exc.DBDuplicateEntry as error:
        if 'topic' in (error.columns or ()):
            raise exception.ServiceTopicExists(host=host, topic=topic)
        raise exception.ServiceBinaryExists(host=host, binary=binary)


@session.writer
def service_create(context, values):
    """Create a service from a dict of column values; returns it as a dict.

    Raises ServiceBinaryExists (or ServiceTopicExists) when a live service
    has the same host and binary (or host and topic).
    """
    service = Service()
    service.update(values)
    _save(context, service)
    return service.as_dict()


@session.reader
def service_get(context, service_id):
    return _service_get(context, service_id).as_dict()


@session.reader
def service_get_by_host_and_binary(context, host, binary):
    # Columns from a statement built once per read_deleted: the API reads
    # the compute service of every instance it deletes.
    found = utils.dicts(
        context, _by_host_and_binary_stmt(
            getattr(context, 'read_deleted', 'no')),
        utils.column_keys(Service), {'host': host, 'binary': binary})
    if not found:
        raise exception.HostBinaryNotFound(host=host, binary=binary)
    return found[0]


@functools.cache
def _by_host_and_binary_stmt(read_deleted):
    stmt = utils.model_query(None, Service, read_deleted).where(
        Service.host == sa.bindparam('host'),
        Service.binary == sa.bindparam('binary'))
    return utils.only_columns(stmt, Service).order_by(Service.id).limit(1)


@session.reader
def service_get_by_host_and_topic(context, host, topic):
    row = context.session.scalars(_service_query(context).where(
        Service.host == host, Service.topic == topic)).first()
    if row is None:
        raise exception.ServiceNotFound(
            'Service with topic %s on host %s could not be found.'
            % (topic, host), host=host, topic=topic)
    return row.as_dict()


@session.reader
def service_get_all(context, disabled=None):
    """All live services, or only the disabled (True) or enabled (False)."""
    stmt = _service_query(context)
    if disabled is not None:
        stmt = stmt.where(Service.disabled == sa.true() if disabled
                          else Service.disabled == sa.false())
    return utils.rows_as_dicts(context.session.scalars(stmt))


@session.reader
def service_get_all_by_binary(context, binary, include_disabled=False):
    stmt = _service_query(context).where(Service.binary == binary)
    if not include_disabled:
        stmt = stmt.where(Service.disabled == sa.false())
    return utils.rows_as_dicts(context.session.scalars(stmt))


@session.reader
def service_get_all_by_topic(context, topic, include_disabled=False):
    stmt = _service_query(context).where(Service.topic == topic)
    if not include_disabled:
        stmt = stmt.where(Service.disabled == sa.false())
    return utils.rows_as_dicts(context.session.scalars(stmt))


@session.reader
def service_get_all_by_host(context, host):
    stmt = _service_query(context).where(Service.host == host)
    return utils.rows_as_dicts(context.session.scalars(stmt))


@session.writer
def service_update(context, service_id, values):
    """Set column values on a service; returns the updated dict."""
    service = _service_get(context, service_id)
    service.update(values)
    _save(context, service)
    return service.as_dict()


@session.retry_on_deadlock
@session.writer
def service_heartbeat(context, service_id):
    """Record that the service is alive; returns the updated dict.

    The increment happens in SQL, so concurrent heartbeats never lose a
    count.
    """
    now = timeutils.utcnow()
    result = context.session.execute(
        sa.update(Service)
        .where(Service.id == service_id, Service.deleted == 0)
        .values(report_count=Service.report_count + 1,
                last_seen_up=now, updated_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise exception.ServiceNotFound(service_id=service_id)
    row = context.session.scalars(
        sa.select(Service).where(Service.id == service_id)
        .execution_options(populate_existing=True)).one()
    return row.as_dict()


@session.writer
def service_destroy(context, service_id):
    """Soft-delete a service and the compute nodes it reported."""
    service = _service_get(context, service_id)
    service.soft_delete(context.session)
    nodes = context.session.scalars(
        utils.model_query(context, models.ComputeNode, read_deleted='no')
        .where(models.ComputeNode.service_id == service_id))
    for node in nodes:
        node.soft_delete(context.session)
