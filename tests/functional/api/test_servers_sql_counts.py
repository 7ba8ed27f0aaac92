"""How many SQL statements the server reads run: a GET of one server and
a page of /servers/detail cost a fixed number of statements however many
servers there are (no N+1 loads). Counts, not timings: they do not depend
on the machine's load."""

import contextlib

from oslo_utils import uuidutils

from nimbus import context as nimbus_context
from nimbus import objects
from tests import sql_statements
from tests.functional.cloud import cloud  # noqa: F401
from tests.functional.cloud import glance  # noqa: F401
from tests.functional.cloud import image_db  # noqa: F401
from tests.functional.cloud import image_server  # noqa: F401

V = {'X-OpenStack-Nova-API-Version': '2.37'}

# instances (joined with the info cache), their metadata, system
# metadata, security groups and tags (one UNION ALL), and, when any of
# them is in ERROR (or deleted), their newest faults.
SELECTS_PER_SERVER_READ = 2
SELECTS_WITH_FAULTS = 3


@contextlib.contextmanager
def counted_selects():
    """The SELECT statements this thread runs meanwhile (the API is
    called in it; the services' own threads heartbeat and report at any
    time); the services read for 2.16's host_status are left out."""
    with sql_statements.recorded(
            lambda text: text.upper().startswith('SELECT') and
            'FROM services' not in text) as (seen, _):
        yield seen


def _add_servers(like_uuid, count, fault_every=0):
    """``count`` ACTIVE servers of project demo shaped like ``like_uuid``
    (its system metadata and network info), written straight to the
    database; every ``fault_every``-th in ERROR with a fault."""
    ctx = nimbus_context.get_admin_context()
    like = objects.Instance.get_by_uuid(
        ctx, like_uuid, expected_attrs=['info_cache', 'system_metadata'])
    for index in range(count):
        error = fault_every and index % fault_every == 0
        inst = objects.Instance(
            ctx, uuid=uuidutils.generate_uuid(), display_name='s%d' % index,
            project_id='demo', user_id='demo', host='compute1',
            node='compute1', vm_state='error' if error else 'active',
            power_state=1, image_ref=like.image_ref,
            instance_type_id=like.instance_type_id,
            metadata={'index': str(index)},
            system_metadata=dict(like.system_metadata),
            security_groups=['default'], tags=['t%d' % (index % 3)])
        inst.info_cache = objects.InstanceInfoCache(
            ctx, instance_uuid=inst.uuid,
            network_info=like.info_cache.network_info)
        inst.create()
        if error:
            objects.InstanceFault(ctx, instance_uuid=inst.uuid, code=500,
                                  message='boom', details='').create()


def _detail_selects(api):
    with counted_selects() as seen:
        resp = api.get('/v2.1/servers/detail', headers=V)
    assert resp.status_int == 200
    return len(resp.json_body_or_none['servers']), len(seen)


def test_get_server_runs_a_fixed_number_of_selects(cloud):  # noqa: F811
    server_id = cloud.boot('one')
    cloud.wait_for_status(server_id, ('ACTIVE',))
    for api in (cloud.api, cloud.admin_api):
        with counted_selects() as seen:
            resp = api.get('/v2.1/servers/%s' % server_id, headers=V)
        assert resp.status_int == 200
        assert len(seen) == SELECTS_PER_SERVER_READ, seen


def test_servers_detail_selects_do_not_grow_with_servers(cloud):  # noqa: F811
    server_id = cloud.boot('first')
    cloud.wait_for_status(server_id, ('ACTIVE',))
    assert _detail_selects(cloud.api) == (1, SELECTS_PER_SERVER_READ)
    _add_servers(server_id, 60, fault_every=7)
    count, selects = _detail_selects(cloud.api)
    assert count == 61
    assert selects == SELECTS_WITH_FAULTS
    resp = cloud.api.get('/v2.1/servers/detail', headers=V)
    servers = resp.json_body_or_none['servers']
    errors = [s for s in servers if s['status'] == 'ERROR']
    assert len(errors) == 9
    assert all(s['fault']['message'] == 'boom' for s in errors)
    added = [s for s in servers if s['id'] != server_id]
    assert all(s['tags'] and s['metadata'] and s['addresses']
               for s in added)


def test_changes_since_with_deleted_servers_selects(cloud):  # noqa: F811
    # The children of live and deleted servers come in one statement; the
    # deleted server's faults (DELETED shows one) in another.
    import datetime
    import urllib.parse
    since = datetime.datetime.now(datetime.timezone.utc).isoformat()
    kept = cloud.boot('kept')
    cloud.wait_for_status(kept, ('ACTIVE',))
    gone = cloud.boot('gone')
    cloud.wait_for_status(gone, ('ACTIVE',))
    assert cloud.api.delete('/v2.1/servers/%s' % gone).status_int == 204
    cloud.wait_for_status(gone, ('DELETED',))
    with counted_selects() as seen:
        resp = cloud.api.get('/v2.1/servers/detail?changes-since='
                             + urllib.parse.quote(since), headers=V)
    servers = {s['id']: s for s in resp.json_body_or_none['servers']}
    assert servers[gone]['status'] == 'DELETED'
    assert servers[gone]['flavor']['id'] == '1'
    assert servers[kept]['metadata'] == {}
    assert len(seen) == SELECTS_WITH_FAULTS, seen
