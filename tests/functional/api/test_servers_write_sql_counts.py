"""How many SQL statements POST /servers and DELETE /servers/{id} run in
the API's thread (the services' own threads are left out), and in how
many transactions. Counts, not timings: they do not depend on the
machine's load. A change that adds one should say why."""

import contextlib

from tests import sql_statements
from tests.functional.cloud import cloud  # noqa: F401
from tests.functional.cloud import glance  # noqa: F401
from tests.functional.cloud import image_db  # noqa: F401
from tests.functional.cloud import image_server  # noqa: F401

V = {'X-OpenStack-Nova-API-Version': '2.37'}

# The image (its row; its properties, tags and locations: read
# in-process), the quota lock, the limits, the usage; the instance, its
# system metadata, info cache, default security group and its association,
# the root disk's mapping and the create action. The flavor comes from the
# cache.
POST_STATEMENTS = 12
# The image read, the quota check with the writes.
POST_TRANSACTIONS = 2
# The instance (with its info cache) and its system metadata; the
# compare-and-swap of task_state (nothing read back) and the delete action,
# in one transaction; the compute host's service.
DELETE_STATEMENTS = 5
DELETE_TRANSACTIONS = 3


@contextlib.contextmanager
def counted():
    """(statements, transactions) this thread runs meanwhile."""
    with sql_statements.recorded() as recorded:
        yield recorded


def test_boot_and_delete_run_a_fixed_number_of_statements(
        cloud):  # noqa: F811
    # The first boot of a project makes its quota lock rows and default
    # security group; the counts are those of every later boot.
    first = cloud.boot('first')
    cloud.wait_for_status(first, ('ACTIVE',))
    for name in ('one', 'two'):
        with counted() as (statements, transactions):
            server_id = cloud.boot(name)
        assert len(statements) == POST_STATEMENTS, statements
        assert len(transactions) == POST_TRANSACTIONS
        cloud.wait_for_status(server_id, ('ACTIVE',))
        with counted() as (statements, transactions):
            resp = cloud.api.delete('/v2.1/servers/%s' % server_id,
                                    headers=V)
        assert resp.status_int == 204
        assert len(statements) == DELETE_STATEMENTS, statements
        assert len(transactions) == DELETE_TRANSACTIONS
        cloud.wait_for_status(server_id, ('DELETED',))
