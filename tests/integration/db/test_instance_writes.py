"""The instance writes of every conductor save on SQLite, MariaDB and
PostgreSQL: the compare-and-swap UPDATE (statements built once per shape),
the info cache upsert and the action event in the same transaction, and
destroy with its children, its event and terminated_at kept."""

import datetime

from oslo_utils import timeutils
import pytest
import sqlalchemy as sa

from nimbus.db.api import instance as instance_db
from nimbus.db.api import instance_action as action_db
from nimbus.db import migration
from nimbus.db import models
from nimbus.db import session as db_session
from nimbus import exception
from tests.integration.db import databases


@pytest.fixture
def context(nimbus_db):
    migration.db_sync()
    return databases.Context()


def _create(context):
    uuid = instance_db.instance_create(context, {
        'display_name': 'vm', 'project_id': 'project', 'user_id': 'user',
        'vm_state': 'building', 'task_state': 'scheduling',
        'metadata': {'a': 'b'}, 'security_groups': ['default'],
        'info_cache': {'network_info': '[]'},
    })['uuid']
    action_db.action_start(context, {
        'instance_uuid': uuid, 'request_id': 'req-1', 'action': 'create',
        'project_id': 'project', 'user_id': 'user',
        'start_time': timeutils.utcnow() - datetime.timedelta(seconds=1)})
    return uuid


def _event(name, **values):
    return dict({'event': name, 'result': 'Success', 'host': 'h',
                 'start_time': timeutils.utcnow().isoformat(),
                 'finish_action': True}, **values)


def test_save_swaps_states_and_records_its_event(context):
    uuid = _create(context)
    written = instance_db.instance_update(
        context, uuid, {'task_state': 'spawning', 'locked': False},
        expected={'task_state': ['scheduling', None],
                  'vm_state': 'building'},
        network_info='[{"address": "10.0.0.2"}]',
        event=_event('compute_build_and_run_instance'))
    assert written['task_state'] == 'spawning'
    row = instance_db.instance_get_by_uuid(context, uuid,
                                           columns_to_join=['info_cache'])
    assert row['task_state'] == 'spawning'
    assert row['info_cache']['network_info'] == '[{"address": "10.0.0.2"}]'
    action = action_db.action_get_by_request_id(context, uuid, 'req-1')
    [event] = action_db.action_events_get(context, action['id'])
    assert (event['event'], event['result']) == (
        'compute_build_and_run_instance', 'Success')
    assert action['finish_time'] == event['finish_time'] is not None
    # The same shape again, now losing the swap: nothing changes.
    with pytest.raises(exception.UnexpectedTaskStateError):
        instance_db.instance_update(
            context, uuid, {'task_state': 'spawning', 'locked': False},
            expected={'task_state': ['scheduling', None],
                      'vm_state': 'building'},
            event=_event('again'))
    assert len(action_db.action_events_get(context, action['id'])) == 1


def test_destroy_soft_deletes_children_and_keeps_terminated_at(context):
    uuid = _create(context)
    earlier = timeutils.utcnow() - datetime.timedelta(hours=1)
    instance_db.instance_update(context, uuid, {'terminated_at': earlier})
    instance_db.instance_destroy(context, uuid,
                                 expected={'task_state': 'scheduling'},
                                 event=_event('compute_terminate_instance'))
    with pytest.raises(exception.InstanceNotFound):
        instance_db.instance_get_by_uuid(context, uuid)
    context.read_deleted = 'yes'
    row = instance_db.instance_get_by_uuid(context, uuid)
    assert row['deleted'] and row['vm_state'] == 'deleted'
    assert row['terminated_at'].replace(microsecond=0) == \
        earlier.replace(microsecond=0)
    with db_session.reader.using(context):
        live = context.session.execute(sa.select(sa.func.count()).where(
            models.InstanceMetadata.instance_uuid == uuid,
            models.InstanceMetadata.deleted == 0)).scalar()
    assert live == 0
    action = action_db.action_get_by_request_id(context, uuid, 'req-1')
    [event] = action_db.action_events_get(context, action['id'])
    assert event['event'] == 'compute_terminate_instance'
    # Gone: a second destroy finds nothing to swap.
    context.read_deleted = 'no'
    with pytest.raises(exception.InstanceNotFound):
        instance_db.instance_destroy(context, uuid)
