"""Instance actions (one per user request) and their events (one per step
a service carried out), with timings, results and tracebacks."""

import functools

from oslo_utils import timeutils
import sqlalchemy as sa

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db.models import base as models_base
from nimbus.db import session
from nimbus import exception

InstanceAction = models.InstanceAction
InstanceActionEvent = models.InstanceActionEvent


def _action_get_by_request_id(context, instance_uuid, request_id,
                              started_by=None):
    """The newest action of the request (that started by ``started_by``,
    if given)."""
    stmt = sa.select(InstanceAction).where(
        InstanceAction.instance_uuid == instance_uuid,
        InstanceAction.request_id == request_id,
        InstanceAction.deleted == 0)
    if started_by is not None:
        stmt = stmt.where(InstanceAction.start_time <= started_by)
    return context.session.scalars(
        stmt.order_by(InstanceAction.created_at.desc(),
                      InstanceAction.id.desc())).first()


@session.writer
def action_start(context, values):
    """Insert the action (every boot and every action makes one) with
    Core: the row as the ORM would write it, without its unit of work."""
    row = dict.fromkeys(models_base.column_keys(InstanceAction))
    unknown = set(values) - set(row)
    if unknown:
        raise ValueError('instance_actions has no column(s) %s'
                         % ', '.join(sorted(unknown)))
    row.update(values)
    row.pop('id')
    row['created_at'] = row['created_at'] or timeutils.utcnow()
    row['deleted'] = row['deleted'] or 0
    result = utils.rows(context, sa.insert(InstanceAction.__table__), row)
    row['id'] = result.inserted_primary_key[0]
    return row


@session.writer
def action_finish(context, values):
    """Stamp finish_time (and message) on the action of the request."""
    action = _action_get_by_request_id(context, values['instance_uuid'],
                                       values['request_id'])
    if action is None:
        raise exception.InstanceActionNotFound(
            request_id=values['request_id'],
            instance_uuid=values['instance_uuid'])
    action.finish_time = values.get('finish_time') or timeutils.utcnow()
    if values.get('message'):
        action.message = values['message']
    action.save(context.session)
    return action.as_dict()


@session.reader
def action_get_by_request_id(context, instance_uuid, request_id):
    action = _action_get_by_request_id(context, instance_uuid, request_id)
    return action.as_dict() if action is not None else None


@session.reader
def actions_get(context, instance_uuid):
    """The actions of an instance, newest first."""
    stmt = (sa.select(InstanceAction)
            .where(InstanceAction.instance_uuid == instance_uuid,
                   InstanceAction.deleted == 0)
            .order_by(InstanceAction.created_at.desc(),
                      InstanceAction.id.desc()))
    return [row.as_dict() for row in context.session.scalars(stmt)]


@session.writer
def action_event_start(context, values):
    """Start an event of the action of ``values['request_id']``."""
    action = _action_get_by_request_id(context, values['instance_uuid'],
                                       values['request_id'])
    if action is None:
        raise exception.InstanceActionNotFound(
            request_id=values['request_id'],
            instance_uuid=values['instance_uuid'])
    event = InstanceActionEvent(
        action_id=action.id, event=values['event'],
        start_time=values.get('start_time') or timeutils.utcnow(),
        host=values.get('host'), details=values.get('details'))
    event.save(context.session)
    return event.as_dict()


@session.writer
def action_event_finish(context, values):
    """Finish the newest unfinished event named ``values['event']``; the
    action's message becomes 'Error' when the event failed.  With
    ``values['finish_action']``, also stamp the action's finish_time (and
    ``values['action_message']``) in the same transaction."""
    action = _action_get_by_request_id(context, values['instance_uuid'],
                                       values['request_id'])
    if action is None:
        raise exception.InstanceActionNotFound(
            request_id=values['request_id'],
            instance_uuid=values['instance_uuid'])
    event = context.session.scalars(
        sa.select(InstanceActionEvent).where(
            InstanceActionEvent.action_id == action.id,
            InstanceActionEvent.event == values['event'])
        .order_by(InstanceActionEvent.id.desc())).first()
    if event is None:
        raise exception.InstanceActionEventNotFound(
            action_id=action.id, event=values['event'])
    event.finish_time = values.get('finish_time') or timeutils.utcnow()
    event.result = values.get('result')
    event.traceback = values.get('traceback')
    if values.get('details'):
        event.details = values['details']
    event.save(context.session)
    changed = False
    if values.get('finish_action'):
        action.finish_time = event.finish_time
        if values.get('action_message'):
            action.message = values['action_message']
        changed = True
    if (values.get('result') or '').lower() == 'error':
        action.message = 'Error'
        changed = True
    if changed:
        action.save(context.session)
    return event.as_dict()


def _action_id(context, instance_uuid, request_id, started_by=None):
    """The id of the newest action of the request (that started by
    ``started_by``, if given), read with Core."""
    params = {'uuid': instance_uuid, 'request_id': request_id}
    if started_by is not None:
        params['started_by'] = started_by
    return utils.rows(context, _action_id_query(started_by is not None),
                      params).scalar()


@functools.cache
def _action_id_query(started_by):
    table = InstanceAction.__table__
    stmt = sa.select(table.c.id).where(
        table.c.instance_uuid == sa.bindparam('uuid'),
        table.c.request_id == sa.bindparam('request_id'),
        table.c.deleted == 0)
    if started_by:
        stmt = stmt.where(table.c.start_time <= sa.bindparam(
            'started_by', type_=table.c.start_time.type))
    return stmt.order_by(table.c.created_at.desc(),
                         table.c.id.desc()).limit(1)


@functools.cache
def _action_update(columns):
    """UPDATE of an action's updated_at and ``columns`` (parameters
    ``id`` and the column names)."""
    table = InstanceAction.__table__
    return sa.update(table).where(table.c.id == sa.bindparam('_id')).values(
        {column: sa.bindparam(column) for column in
         ('updated_at',) + columns})


@session.writer
def action_event_record(context, values):
    """Write an event with its start and finish at once; like
    action_event_finish for the action (an error marks it 'Error',
    ``finish_action`` stamps its finish_time).  Core statements: every
    boot and delete records two of these."""
    row = event_record_in_transaction(context, values)
    if row is None:
        raise exception.InstanceActionNotFound(
            request_id=values['request_id'],
            instance_uuid=values['instance_uuid'])
    return row


def event_record_in_transaction(context, values):
    """action_event_record in the caller's writer transaction; None (and
    nothing written) when the request has no action on the instance --
    for the instance writes that carry their event
    (``instance_update(event=...)``), which must not fail for it."""
    start_time = values['start_time']
    if isinstance(start_time, str):     # a datetime that came over RPC
        start_time = timeutils.normalize_time(
            timeutils.parse_isotime(start_time))
    # The action the event started in: a context may be reused for
    # several actions (periodic tasks, tests), and this is written only
    # when the event ends.  Hosts' clocks may differ: then the newest.
    action_id = _action_id(
        context, values['instance_uuid'], values['request_id'],
        started_by=start_time) or _action_id(
        context, values['instance_uuid'], values['request_id'])
    if action_id is None:
        return None
    now = timeutils.utcnow()
    row = dict.fromkeys(models_base.column_keys(InstanceActionEvent))
    row.pop('id')
    row.update(created_at=now, deleted=0, action_id=action_id,
               event=values['event'], start_time=start_time,
               finish_time=values.get('finish_time') or now,
               result=values.get('result'),
               traceback=values.get('traceback'), host=values.get('host'),
               details=values.get('details'))
    conn = context.session.connection()
    row['id'] = conn.execute(sa.insert(InstanceActionEvent.__table__),
                             row).inserted_primary_key[0]
    changes = {}
    if values.get('finish_action'):
        changes['finish_time'] = row['finish_time']
        if values.get('action_message'):
            changes['message'] = values['action_message']
    if (values.get('result') or '').lower() == 'error':
        changes['message'] = 'Error'
    if changes:
        conn.execute(_action_update(tuple(sorted(changes))),
                     dict(changes, _id=action_id, updated_at=now))
    return row


@session.reader
def action_events_get(context, action_id):
    """The events of an action in the order they started (an event may
    be written only when it finishes)."""
    stmt = (sa.select(InstanceActionEvent)
            .where(InstanceActionEvent.action_id == action_id)
            .order_by(InstanceActionEvent.start_time,
                      InstanceActionEvent.id))
    return [row.as_dict() for row in context.session.scalars(stmt)]
