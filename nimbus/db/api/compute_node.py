"""Compute nodes: a hypervisor's resources, written by its resource tracker
(through the conductor) and read by the scheduler."""

from oslo_db import exception as db_exc
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from nimbus.db.api import utils
from nimbus.db import exception
from nimbus.db import models
from nimbus.db import session

ComputeNode = models.ComputeNode


def _node_query(context):
    return utils.model_query(context, ComputeNode).order_by(ComputeNode.id)


def _compute_node_get(context, compute_id):
    row = context.session.scalars(
        _node_query(context).where(ComputeNode.id == compute_id)).first()
    if row is None:
        raise exception.ComputeNodeNotFound(compute_id=compute_id)
    return row


def _save(context, node):
    # Read before flushing: after a failed flush the row cannot be loaded.
    host, nodename = node.host, node.hypervisor_hostname
    try:
        node.save(context.session)
    except db_exc.DBDuplicateEntry:
        raise exception.ComputeNodeExists(host=host, nodename=nodename)


@session.writer
def compute_node_create(context, values):
    """Create a compute node; a uuid is generated when none is given.

    Raises ComputeNodeExists when the host already has a live node of that
    hypervisor_hostname (or the uuid is taken).
    """
    node = ComputeNode()
    node.update(dict(values))
    if not node.uuid:
        node.uuid = uuidutils.generate_uuid()
    _save(context, node)
    return node.as_dict()


@session.reader
def compute_node_get(context, compute_id):
    return _compute_node_get(context, compute_id).as_dict()


@session.reader
def compute_node_get_by_host_and_nodename(context, host, nodename):
    row = context.session.scalars(_node_query(context).where(
        ComputeNode.host == host,
        ComputeNode.hypervisor_hostname == nodename)).first()
    if row is None:
        raise exception.ComputeHostNodeNotFound(host=host, nodename=nodename)
    return row.as_dict()


@session.reader
def compute_node_get_all(context):
    return utils.rows_as_dicts(context.session.scalars(_node_query(context)))


@session.reader
def compute_node_get_all_by_host(context, host):
    """The nodes of one compute host; raises ComputeHostNotFound if none."""
    rows = utils.rows_as_dicts(context.session.scalars(
        _node_query(context).where(ComputeNode.host == host)))
    if not rows:
        raise exception.ComputeHostNotFound(host=host)
    return rows


@session.retry_on_deadlock
@session.writer
def compute_node_update(context, compute_id, values):
    """Set column values on a live compute node in one UPDATE; returns the
    values written (with the new updated_at).  A resource tracker calls
    this on every claim: the node is not read first nor after."""
    values = dict(values)
    values['updated_at'] = timeutils.utcnow()
    try:
        result = context.session.execute(
            sa.update(ComputeNode)
            .where(ComputeNode.id == compute_id, ComputeNode.deleted == 0)
            .values(**values)
            .execution_options(synchronize_session=False))
    except db_exc.DBDuplicateEntry:
        raise exception.ComputeNodeExists(
            host=values.get('host'),
            nodename=values.get('hypervisor_hostname'))
    if result.rowcount != 1:
        raise exception.ComputeNodeNotFound(compute_id=compute_id)
    return values


@session.writer
def compute_node_delete(context, compute_id):
    """Soft-delete a compute node."""
    _compute_node_get(context, compute_id).soft_delete(context.session)
