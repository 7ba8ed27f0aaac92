"""nimbus.db.api.service on SQLite."""

import datetime
import threading

import pytest

from nimbus.db.api import compute_node as compute_node_db
from nimbus.db.api import service as service_db
from nimbus.db import exception
from tests.unit.db.conftest import FakeContext


def _create(context, host='host1', binary='nimbus-compute',
            topic='compute', **values):
    return service_db.service_create(
        context, dict(host=host, binary=binary, topic=topic, **values))


def test_create_returns_a_plain_dict(context):
    service = _create(context)
    assert type(service) is dict
    assert service['id'] > 0
    assert service['host'] == 'host1'
    assert service['report_count'] == 0
    assert service['disabled'] is False
    assert service['deleted'] == 0
    assert isinstance(service['created_at'], datetime.datetime)
    assert service_db.service_get(context, service['id']) == service


def test_create_duplicate_host_and_binary(context):
    _create(context)
    with pytest.raises(exception.ServiceExists):
        _create(context)
    with pytest.raises(exception.ServiceBinaryExists):
        _create(context, topic='another-topic')


def test_create_duplicate_host_and_topic(context):
    _create(context)
    with pytest.raises(exception.ServiceTopicExists):
        _create(context, binary='nimbus-other')


def test_create_after_destroy(context):
    first = _create(context)
    service_db.service_destroy(context, first['id'])
    second = _create(context)
    assert second['id'] != first['id']


def test_create_rejects_unknown_columns(context):
    with pytest.raises(ValueError):
        _create(context, no_such_column=1)


def test_get_missing(context):
    with pytest.raises(exception.ServiceNotFound) as caught:
        service_db.service_get(context, 42)
    assert caught.value.code == 404
    assert '42' in str(caught.value)


def test_get_by_host_and_binary(context):
    service = _create(context)
    _create(context, host='host2')
    assert service_db.service_get_by_host_and_binary(
        context, 'host1', 'nimbus-compute') == service
    with pytest.raises(exception.HostBinaryNotFound):
        service_db.service_get_by_host_and_binary(
            context, 'host1', 'nimbus-network')
    # HostBinaryNotFound is a ServiceNotFound, so either may be caught.
    with pytest.raises(exception.ServiceNotFound):
        service_db.service_get_by_host_and_binary(
            context, 'host9', 'nimbus-compute')


def test_get_by_host_and_topic(context):
    service = _create(context)
    assert service_db.service_get_by_host_and_topic(
        context, 'host1', 'compute') == service
    with pytest.raises(exception.ServiceNotFound):
        service_db.service_get_by_host_and_topic(context, 'host1', 'network')


def test_get_all_filters(context):
    compute1 = _create(context, host='c1')
    compute2 = _create(context, host='c2', disabled=True)
    network = _create(context, host='c1', binary='nimbus-network',
                      topic='network')
    deleted = _create(context, host='c3')
    service_db.service_destroy(context, deleted['id'])

    def ids(services):
        return [s['id'] for s in services]

    assert ids(service_db.service_get_all(context)) == [
        compute1['id'], compute2['id'], network['id']]
    assert ids(service_db.service_get_all(context, disabled=True)) == [
        compute2['id']]
    assert ids(service_db.service_get_all(context, disabled=False)) == [
        compute1['id'], network['id']]
    assert ids(service_db.service_get_all_by_binary(
        context, 'nimbus-compute')) == [compute1['id']]
    assert ids(service_db.service_get_all_by_binary(
        context, 'nimbus-compute', include_disabled=True)) == [
        compute1['id'], compute2['id']]
    assert ids(service_db.service_get_all_by_topic(
        context, 'compute', include_disabled=True)) == [
        compute1['id'], compute2['id']]
    assert ids(service_db.service_get_all_by_host(context, 'c1')) == [
        compute1['id'], network['id']]


def test_read_deleted_from_context(context):
    service = _create(context)
    service_db.service_destroy(context, service['id'])
    assert service_db.service_get_all(FakeContext(read_deleted='yes'))[0][
        'deleted'] == service['id']


def test_update(context):
    service = _create(context)
    updated = service_db.service_update(
        context, service['id'],
        {'disabled': True, 'disabled_reason': 'maintenance'})
    assert updated['disabled'] is True
    assert updated['disabled_reason'] == 'maintenance'
    assert updated['updated_at'] is not None
    assert service_db.service_get(context, service['id']) == updated
    with pytest.raises(exception.ServiceNotFound):
        service_db.service_update(context, 999, {'disabled': True})


def test_update_into_a_duplicate(context):
    _create(context, host='host1')
    other = _create(context, host='host2')
    with pytest.raises(exception.ServiceExists):
        service_db.service_update(context, other['id'], {'host': 'host1'})
    assert service_db.service_get(context, other['id'])['host'] == 'host2'


def test_heartbeat(context):
    service = _create(context)
    beat = service_db.service_heartbeat(context, service['id'])
    assert beat['report_count'] == 1
    assert beat['last_seen_up'] is not None
    assert beat['last_seen_up'].tzinfo is None
    assert beat['updated_at'] == beat['last_seen_up']
    again = service_db.service_heartbeat(context, service['id'])
    assert again['report_count'] == 2
    assert again['last_seen_up'] >= beat['last_seen_up']


def test_heartbeat_of_deleted_service(context):
    service = _create(context)
    service_db.service_destroy(context, service['id'])
    with pytest.raises(exception.ServiceNotFound):
        service_db.service_heartbeat(context, service['id'])


def test_heartbeats_from_threads_are_all_counted(context):
    service = _create(context)
    threads_count, beats = 8, 25
    errors = []

    def beat():
        try:
            for _ in range(beats):
                service_db.service_heartbeat(FakeContext(), service['id'])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=beat) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert service_db.service_get(context, service['id'])[
        'report_count'] == threads_count * beats


def test_destroy_soft_deletes_service_and_its_nodes(context):
    service = _create(context)
    node = compute_node_db.compute_node_create(context, {
        'service_id': service['id'], 'host': 'host1',
        'hypervisor_hostname': 'node1', 'vcpus': 4, 'memory_mb': 4096,
        'local_gb': 40})
    service_db.service_destroy(context, service['id'])
    with pytest.raises(exception.ServiceNotFound):
        service_db.service_get(context, service['id'])
    with pytest.raises(exception.ComputeNodeNotFound):
        compute_node_db.compute_node_get(context, node['id'])
    deleted = service_db.service_get_all(FakeContext(read_deleted='only'))
    assert deleted[0]['deleted'] == service['id']
    assert deleted[0]['deleted_at'] is not None
    with pytest.raises(exception.ServiceNotFound):
        service_db.service_destroy(context, service['id'])
