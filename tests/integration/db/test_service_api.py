"""The service and compute node queries on SQLite, MariaDB and PostgreSQL:
duplicate detection depends on each backend's error text, and heartbeats
from many threads must all count."""

import threading

from oslo_db.sqlalchemy import enginefacade
import pytest

from nimbus.db.api import compute_node as compute_node_db
from nimbus.db.api import service as service_db
from nimbus.db import exception
from nimbus.db import migration


@enginefacade.transaction_context_provider
class Context:
    project_id = 'project'
    is_admin = True
    read_deleted = 'no'


@pytest.fixture
def context(nimbus_db):
    migration.db_sync()
    return Context()


def _create(context, **values):
    values = dict({'host': 'host1', 'binary': 'nimbus-compute',
                   'topic': 'compute'}, **values)
    return service_db.service_create(context, values)


def test_duplicates_are_reported_as_such(context):
    service = _create(context)
    with pytest.raises(exception.ServiceBinaryExists):
        _create(context, topic='other')
    with pytest.raises(exception.ServiceTopicExists):
        _create(context, binary='nimbus-other')
    service_db.service_destroy(context, service['id'])
    assert _create(context)['id'] != service['id']


def test_heartbeats_from_threads_are_all_counted(context):
    service = _create(context)
    threads_count, beats = 6, 15
    errors = []

    def beat():
        try:
            for _ in range(beats):
                service_db.service_heartbeat(Context(), service['id'])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=beat) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    beat_once_more = service_db.service_heartbeat(context, service['id'])
    assert beat_once_more['report_count'] == threads_count * beats + 1


def test_compute_nodes(context):
    service = _create(context)
    values = {'service_id': service['id'], 'host': 'host1',
              'hypervisor_hostname': 'node1', 'vcpus': 2, 'memory_mb': 2048,
              'local_gb': 20, 'cpu_info': 'x' * 70000,
              'ram_allocation_ratio': 1.5}
    node = compute_node_db.compute_node_create(context, values)
    with pytest.raises(exception.ComputeNodeExists):
        compute_node_db.compute_node_create(context, values)
    compute_node_db.compute_node_update(
        context, node['id'], {'vcpus_used': 2, 'free_ram_mb': 0})
    updated = compute_node_db.compute_node_get_by_host_and_nodename(
        context, 'host1', 'node1')
    assert (updated['vcpus_used'], updated['free_ram_mb']) == (2, 0)
    # MEDIUMTEXT on MySQL: more than TEXT's 64 KiB fits.
    assert len(updated['cpu_info']) == 70000
    assert updated['ram_allocation_ratio'] == 1.5
    service_db.service_destroy(context, service['id'])
    assert compute_node_db.compute_node_get_all(context) == []
