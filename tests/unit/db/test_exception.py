"""DB exceptions are caught by handlers written for nimbus.exception."""

import pytest

from nimbus.db import exception as db_exception
from nimbus import exception


@pytest.mark.parametrize('db_class, shared_class', [
    (db_exception.NotFound, exception.NotFound),
    (db_exception.ServiceNotFound, exception.ServiceNotFound),
    (db_exception.HostBinaryNotFound, exception.HostBinaryNotFound),
    (db_exception.HostBinaryNotFound, db_exception.ServiceNotFound),
    (db_exception.ServiceBinaryExists, exception.ServiceExists),
    (db_exception.ServiceTopicExists, exception.ServiceExists),
    (db_exception.ServiceExists, exception.Conflict),
    (db_exception.ComputeHostNodeNotFound, exception.ComputeHostNotFound),
    (db_exception.ComputeNodeNotFound, exception.NotFound),
    (db_exception.ComputeNodeExists, exception.Conflict),
])
def test_hierarchy(db_class, shared_class):
    assert issubclass(db_class, shared_class)


def test_messages_and_codes():
    error = db_exception.HostBinaryNotFound(host='h1', binary='nimbus-x')
    assert 'h1' in str(error) and 'nimbus-x' in str(error)
    assert error.code == 404
    assert error.kwargs == {'host': 'h1', 'binary': 'nimbus-x'}
    error = db_exception.ServiceTopicExists(host='h1', topic='compute')
    assert str(error) == 'Service with host h1 topic compute exists.'
    assert error.code == 409
    assert str(db_exception.ComputeHostNodeNotFound(
        host='h1', nodename='n1')) == (
        'Compute node n1 on host h1 could not be found.')
