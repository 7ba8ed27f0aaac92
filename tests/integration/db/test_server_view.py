"""The server rows the Compute API shows (nimbus.db.api.server_view) on
SQLite, MariaDB and PostgreSQL: one UNION ALL of children with a key
filter on system metadata, the info cache joined, faults only where the
status shows one, deleted servers with the children deleted with them."""

import datetime

from oslo_utils import timeutils
import pytest

from nimbus.db.api import instance as instance_db
from nimbus.db.api import instance_fault as fault_db
from nimbus.db.api import server_view
from nimbus.db import migration
from nimbus import exception
from tests.integration.db import databases


@pytest.fixture
def context(nimbus_db):
    migration.db_sync()
    return databases.Context()


def _create(context, name, **values):
    base = timeutils.utcnow() - datetime.timedelta(minutes=10)
    return instance_db.instance_create(context, dict({
        'display_name': name, 'project_id': 'project', 'user_id': 'user',
        'vm_state': 'active', 'created_at': base,
        'metadata': {'role': name},
        'system_metadata': {'instance_type_flavorid': '42',
                            'instance_type_memory_mb': '512',
                            'image_base_image_ref': 'x'},
        'security_groups': ['default'],
        'info_cache': {'network_info': '[{"address": "fa:16:3e:00:00:01"}]'},
    }, **values))['uuid']


def test_server_rows(context):
    live = _create(context, 'live')
    instance_db.instance_tag_set(context, live, ['b', 'a'])
    error = _create(context, 'error', vm_state='error')
    fault_db.instance_fault_create(context, {
        'instance_uuid': error, 'code': 500, 'message': 'boom',
        'details': 'trace'})
    since = timeutils.utcnow() - datetime.timedelta(seconds=1)
    gone = _create(context, 'gone')
    instance_db.instance_destroy(context, gone)

    rows = server_view.server_rows(context, {'project_id': 'project'})
    by_name = {r['display_name']: r for r in rows}
    assert set(by_name) == {'live', 'error'}
    row = by_name['live']
    assert set(row) == set(server_view.VIEW_COLUMNS) | {
        'metadata', 'flavorid', 'network_info', 'security_groups', 'tags',
        'fault'}
    assert row['metadata'] == {'role': 'live'}
    assert row['flavorid'] == '42'
    assert row['network_info'] == [{'address': 'fa:16:3e:00:00:01'}]
    assert row['security_groups'] == ['default']
    assert row['tags'] == ['a', 'b']
    assert row['fault'] is None
    assert by_name['error']['fault']['message'] == 'boom'

    # changes-since lists the deleted server with what was deleted with it.
    rows = server_view.server_rows(context, {'project_id': 'project',
                                             'changes-since': since})
    assert [r['display_name'] for r in rows] == ['gone']
    assert rows[0]['deleted']
    assert rows[0]['vm_state'] == 'deleted'
    assert rows[0]['flavorid'] == '42'
    assert rows[0]['metadata'] == {'role': 'gone'}
    assert rows[0]['security_groups'] == ['default']

    # Paging by marker, newest first, as instance_get_all_by_filters.
    first = server_view.server_rows(context, {'project_id': 'project'},
                                    limit=1)
    second = server_view.server_rows(context, {'project_id': 'project'},
                                     limit=1, marker=first[0]['uuid'])
    assert [first[0]['uuid'], second[0]['uuid']] == [error, live]
    with pytest.raises(exception.MarkerNotFound):
        server_view.server_rows(context, {'project_id': 'project'},
                                marker='00000000-0000-0000-0000-000000000000')


def test_polled_lists_agree_with_the_general_query(context):
    """The lists built once per shape (a project's servers, maybe changed
    since a time, first page) give what the general query gives."""
    names = ['a', 'b', 'c', 'd']
    uuids = {name: _create(context, name) for name in names}
    since = timeutils.utcnow() - datetime.timedelta(seconds=1)
    instance_db.instance_update(context, uuids['b'], {'vm_state': 'error'})
    instance_db.instance_destroy(context, uuids['c'])
    _create(context, 'other', project_id='another')
    cases = [({'project_id': 'project'}, None),
             ({'project_id': 'project'}, 2),
             ({'project_id': 'project', 'changes-since': since}, None),
             ({'project_id': 'project', 'changes-since': since}, 1),
             ({'changes-since': since}, None),
             ({}, 3)]
    for filters, limit in cases:
        fast = server_view.server_rows(context, dict(filters), limit=limit)
        assert server_view._project_list(context, filters, None, None,
                                         limit, None)[0] is not None
        # The same order, given explicitly: the general query.
        general = server_view.server_rows(
            context, dict(filters), limit=limit,
            sort_keys=['created_at', 'id'], sort_dirs=['desc', 'desc'])
        assert [r['uuid'] for r in fast] == [r['uuid'] for r in general], (
            filters, limit)
        assert fast == general
