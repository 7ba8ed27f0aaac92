"""The quota check under concurrency on the real databases: 20 threads each
booting one instance of the same project against a limit of 10 leave
exactly 10 instances on MariaDB and on PostgreSQL."""

import pytest

from nimbus import context as nimbus_context
from nimbus.db import migration
from nimbus.db import session
from nimbus import quota
from tests.functional import test_quota
from tests.integration import backends


@pytest.fixture(params=['mysql', 'postgresql'])
def ctx(request, conf):
    database = (backends.mysql_database if request.param == 'mysql'
                else backends.postgresql_database)
    with database() as url:
        session.configure(connection=url, max_pool_size=25,
                          max_overflow=10)
        try:
            migration.db_sync()
            yield nimbus_context.RequestContext(user_id='alice',
                                                project_id='race')
        finally:
            session.reset()


@pytest.mark.parametrize('attempt', range(3))
def test_twenty_concurrent_boots_never_exceed_ten(ctx, attempt):
    results = test_quota.race(ctx)
    assert len([r for r in results if r]) == 10
    assert quota.QUOTAS.count(ctx, 'instances', 'race') == 10


def test_over_quota_is_reported(ctx):
    quota.QUOTAS.update_project_quota(ctx, 'race', 'instances', 1)
    test_quota._boot(ctx, project_id='race')
    with pytest.raises(quota.exception.OverQuota):
        test_quota._boot(ctx, project_id='race')
