"""The query functions with nimbus's real RequestContext."""

from nimbus import context as nimbus_context
from nimbus.db.api import service as service_db


def test_request_context_carries_transactions(database):
    context = nimbus_context.get_admin_context()
    service = service_db.service_create(
        context, {'host': 'h1', 'binary': 'nimbus-compute'})
    service_db.service_heartbeat(context, service['id'])
    assert service_db.service_get(context, service['id'])[
        'report_count'] == 1
    service_db.service_destroy(context, service['id'])
    assert service_db.service_get_all(context) == []
    deleted = service_db.service_get_all(
        context.elevated(read_deleted='yes'))
    assert [s['id'] for s in deleted] == [service['id']]
