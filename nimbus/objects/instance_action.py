"""InstanceAction (one per user request on an instance) and
InstanceActionEvent (one per step a service carried out), as Nova's
os-instance-actions shows them."""

import functools
import heapq
import itertools
import os
import sys
import threading
import time
import traceback

from oslo_utils import timeutils
from oslo_versionedobjects import fields

from nimbus.db.api import instance_action as action_db
from nimbus.db import session as db_session
from nimbus.objects import base


# Action names, as Nova recorded them.
CREATE = 'create'
DELETE = 'delete'
RESTORE = 'restore'
FORCE_DELETE = 'forceDelete'
REBOOT = 'reboot'
STOP = 'stop'
START = 'start'
PAUSE = 'pause'
UNPAUSE = 'unpause'
SUSPEND = 'suspend'
RESUME = 'resume'
LOCK = 'lock'
UNLOCK = 'unlock'
REBUILD = 'rebuild'
RESIZE = 'resize'
CONFIRM_RESIZE = 'confirmResize'
REVERT_RESIZE = 'revertResize'
CREATE_IMAGE = 'createImage'
RESET_STATE = 'resetState'
RESCUE = 'rescue'
UNRESCUE = 'unrescue'
TRIGGER_CRASH_DUMP = 'trigger_crash_dump'


@base.NimbusObjectRegistry.register
class InstanceAction(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(read_only=True),
        'action': fields.StringField(nullable=True),
        'instance_uuid': fields.UUIDField(nullable=True),
        'request_id': fields.StringField(nullable=True),
        'user_id': fields.StringField(nullable=True),
        'project_id': fields.StringField(nullable=True),
        'start_time': fields.DateTimeField(nullable=True),
        'finish_time': fields.DateTimeField(nullable=True),
        'message': fields.StringField(nullable=True),
    })

    @classmethod
    @base.remotable
    def action_start(cls, context, instance_uuid, action):
        """Record that the request of ``context`` started ``action``."""
        row = action_db.action_start(context, {
            'action': action, 'instance_uuid': instance_uuid,
            'request_id': context.request_id, 'user_id': context.user_id,
            'project_id': context.project_id,
            'start_time': timeutils.utcnow()})
        return base.from_db(cls(context), row)

    @classmethod
    @base.remotable
    def action_finish(cls, context, instance_uuid, message=None):
        row = action_db.action_finish(context, {
            'instance_uuid': instance_uuid,
            'request_id': context.request_id, 'message': message})
        return base.from_db(cls(context), row)

    @classmethod
    @base.remotable
    def get_by_request_id(cls, context, instance_uuid, request_id):
        row = action_db.action_get_by_request_id(context, instance_uuid,
                                                 request_id)
        return base.from_db(cls(context), row) if row else None


@base.NimbusObjectRegistry.register
class InstanceActionList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('InstanceAction')}

    @classmethod
    @base.remotable
    def get_by_instance_uuid(cls, context, instance_uuid):
        """The actions of an instance, newest first."""
        return cls(context, objects=[
            base.from_db(InstanceAction(context), row)
            for row in action_db.actions_get(context, instance_uuid)])


@base.NimbusObjectRegistry.register
class InstanceActionEvent(base.NimbusTimestampObject, base.NimbusObject):
    # Version 1.0: Initial version
    # Version 1.1: event_finish can finish the action too
    # Version 1.2: event_record
    VERSION = '1.2'

    fields = dict(base.NimbusTimestampObject.fields, **{
        'id': fields.IntegerField(read_only=True),
        'event': fields.StringField(nullable=True),
        'action_id': fields.IntegerField(nullable=True),
        'start_time': fields.DateTimeField(nullable=True),
        'finish_time': fields.DateTimeField(nullable=True),
        'result': fields.StringField(nullable=True),
        'traceback': fields.StringField(nullable=True),
        'host': fields.StringField(nullable=True),
        'details': fields.StringField(nullable=True),
    })

    @classmethod
    @base.remotable
    def event_start(cls, context, instance_uuid, event_name, host=None):
        row = action_db.action_event_start(context, {
            'instance_uuid': instance_uuid, 'event': event_name,
            'request_id': context.request_id, 'host': host,
            'start_time': timeutils.utcnow()})
        return base.from_db(cls(context), row)

    @classmethod
    @base.remotable
    def event_finish(cls, context, instance_uuid, event_name, result,
                     tb=None, details=None, finish_action=False,
                     action_message=None):
        """Finish the event; with ``finish_action``, the action too (with
        ``action_message``): one conductor call instead of two."""
        row = action_db.action_event_finish(context, {
            'instance_uuid': instance_uuid, 'event': event_name,
            'request_id': context.request_id, 'result': result,
            'traceback': tb, 'details': details,
            'finish_time': timeutils.utcnow(),
            'finish_action': finish_action,
            'action_message': action_message})
        return base.from_db(cls(context), row)

    @classmethod
    @base.remotable
    def event_record(cls, context, instance_uuid, event_name, start_time,
                     result, host=None, tb=None, finish_action=False,
                     action_message=None):
        """Record an event that started at ``start_time`` and finishes
        now, in one write (and the action too with ``finish_action``)."""
        row = action_db.action_event_record(context, {
            'instance_uuid': instance_uuid, 'event': event_name,
            'request_id': context.request_id, 'host': host,
            'start_time': start_time, 'finish_time': timeutils.utcnow(),
            'result': result, 'traceback': tb,
            'finish_action': finish_action,
            'action_message': action_message})
        return base.from_db(cls(context), row)


@base.NimbusObjectRegistry.register
class InstanceActionEventList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('InstanceActionEvent')}

    @classmethod
    @base.remotable
    def get_by_action(cls, context, action_id):
        return cls(context, objects=[
            base.from_db(InstanceActionEvent(context), row)
            for row in action_db.action_events_get(context, action_id)])


def one_transaction(context):
    """A writer transaction that the object writes made with ``context``
    inside it join (in nimbus-api, which has the database: an action's
    record with the compare-and-swap that begins it)."""
    return db_session.writer.using(context)


class _Timer:
    """The one thread of a process that runs jobs a moment later (the
    deferred starts of events); made again in a forked child."""

    def __init__(self):
        self._cond = threading.Condition()
        self._heap = []
        self._order = itertools.count()
        self._pid = None

    def call_later(self, delay, job):
        """Run ``job()`` in ``delay`` seconds unless ``cancel``ed; returns
        the handle for ``cancel``."""
        entry = [time.monotonic() + delay, next(self._order), job]
        with self._cond:
            if self._pid != os.getpid():
                self._heap = []
                self._pid = os.getpid()
                threading.Thread(target=self._run, daemon=True,
                                 name='event-starts').start()
            heapq.heappush(self._heap, entry)
            # Wake the thread only when it must wake sooner than it will:
            # a wake-up per event (a GIL hand-over) cost a few percent of
            # a compute host's CPU.
            if self._heap[0] is entry:
                self._cond.notify()
        return entry

    @staticmethod
    def cancel(entry):
        """The job will not run (it stays in the heap until due, and is
        dropped then without a wake-up of its own when others are due)."""
        entry[2] = None

    def _run(self):
        while True:
            with self._cond:
                while True:
                    while self._heap and self._heap[0][2] is None:
                        heapq.heappop(self._heap)
                    if not self._heap:
                        self._cond.wait()
                        continue
                    wait = self._heap[0][0] - time.monotonic()
                    if wait > 0:
                        self._cond.wait(wait)
                        continue
                    job = heapq.heappop(self._heap)[2]
                    break
            try:
                job()
            except Exception:
                pass


_TIMER = _Timer()


class EventReporter:
    """Records one event of the current request's action around a block:
    ``with EventReporter(context, 'compute_reboot_instance', uuid):``.

    An event is written when it has taken ``START_DELAY`` seconds (from
    then on it shows as in progress), or when it finishes, started and
    finished in one write: most events take milliseconds, and each write
    of a compute host is a conductor call.

    A failure to record never hides the work's own outcome: if the action
    is missing (a periodic task, an old request) nothing is recorded.
    """

    START_DELAY = 0.5

    def __init__(self, context, event_name, host, *instance_uuids):
        self.context = context
        self.event_name = event_name
        self.host = host
        self.instance_uuids = instance_uuids
        self._started = []
        self._finish_action = None
        self._start_time = None
        self._lock = threading.Lock()
        # pending -> started (a write at START_DELAY), or ending (given to
        # the block's last write) -> written; then finishing at the exit.
        self._state = 'pending'
        self._timer_entry = None
        #: True once a write recorded the event (``written()``).
        self.ended_by_write = False

    def finish_action(self, error=False):
        """Finish the request's action when the event finishes, in the
        same conductor call (the action's finish_time is the event's)."""
        self._finish_action = 'Error' if error else ''

    def ends_with_write(self, finish_action=False):
        """The event, finished now with success (with ``finish_action``,
        the request's action too), for the instance write that ends the
        block to record in its own transaction:
        ``instance.save(..., event=reporter.ends_with_write())``, then
        ``written()`` once that write succeeded.  One conductor call less,
        and a client that sees the instance's new state sees the finished
        event.  If the write fails, the exit records the event as usual.
        None when the event cannot go with one instance's write (it was
        started already, or it covers several instances)."""
        with self._lock:
            if self._state != 'pending' or len(self.instance_uuids) != 1:
                return None
            self._state = 'ending'
            self._cancel_start()
        return {'event': self.event_name, 'start_time': self._start_time,
                'result': 'Success', 'host': self.host,
                'finish_action': finish_action}

    def _cancel_start(self):
        if self._timer_entry is not None:
            _TIMER.cancel(self._timer_entry)
            self._timer_entry = None

    def written(self):
        """The write given ``ends_with_write()``'s event succeeded: the
        exit writes nothing more."""
        with self._lock:
            if self._state == 'ending':
                self._state = 'written'
                self.ended_by_write = True

    def __enter__(self):
        self._start_time = timeutils.utcnow()
        if self.START_DELAY <= 0:
            self._start()
        else:
            self._timer_entry = _TIMER.call_later(self.START_DELAY,
                                                  self._start)
        return self

    def _start(self):
        with self._lock:
            if self._state != 'pending':
                return
            self._state = 'started'
            for uuid in self.instance_uuids:
                try:
                    InstanceActionEvent.event_start(self.context, uuid,
                                                    self.event_name,
                                                    host=self.host)
                    self._started.append(uuid)
                except Exception:
                    pass

    def __exit__(self, exc_type, exc_val, exc_tb):
        if exc_type is None:
            result, tb = 'Success', None
        else:
            result = 'Error'
            tb = ''.join(traceback.format_exception(exc_type, exc_val,
                                                    exc_tb))
        kwargs = {}
        if self._finish_action is not None:
            kwargs = {'finish_action': True,
                      'action_message': self._finish_action or None}
        with self._lock:    # waits for a start being written
            started = self._state == 'started'
            written = self._state == 'written'
            self._state = 'finishing'
            self._cancel_start()
        if written:
            return False
        if not started:
            for uuid in self.instance_uuids:
                try:
                    InstanceActionEvent.event_record(
                        self.context, uuid, self.event_name,
                        self._start_time, result, host=self.host, tb=tb,
                        **kwargs)
                except Exception:
                    pass
            return False
        for uuid in self._started:
            try:
                InstanceActionEvent.event_finish(self.context, uuid,
                                                 self.event_name, result,
                                                 tb=tb, **kwargs)
            except Exception:
                pass
        if self._finish_action is not None:
            # The instances whose event could not be started.
            for uuid in self.instance_uuids:
                if uuid in self._started:
                    continue
                try:
                    InstanceAction.action_finish(
                        self.context, uuid,
                        message=self._finish_action or None)
                except Exception:
                    pass
        return False


def wrap_instance_event(prefix):
    """Decorator of compute manager methods taking ``instance``: records an
    event named ``<prefix>_<method>`` on the instance's current action."""
    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(self, context, *args, **kwargs):
            instance = kwargs.get('instance')
            if instance is None and args:
                instance = args[0]
            event = '%s_%s' % (prefix, fn.__name__)
            with EventReporter(context, event, self.host, instance.uuid):
                return fn(self, context, *args, **kwargs)
        return wrapper
    return decorator


def exc_info():
    return sys.exc_info()
