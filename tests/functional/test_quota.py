"""Quotas against a real (SQLite file) database: limits, usage counts and
the check that holds when many requests race for the last units."""

import threading
import uuid

import pytest

from nimbus import context as nimbus_context
from nimbus.db import migration
from nimbus.db import models
from nimbus import exception
from nimbus import quota

QUOTAS = quota.QUOTAS


@pytest.fixture
def ctx(conf):
    migration.db_sync()
    return nimbus_context.RequestContext(user_id='alice', project_id='p1',
                                         roles=['member'])


def _add_instance(project_id, vcpus=1, memory_mb=512, user_id='alice'):
    def fn(context):
        row = models.Instance(uuid=str(uuid.uuid4()), project_id=project_id,
                              user_id=user_id, vcpus=vcpus,
                              memory_mb=memory_mb, vm_state='building')
        context.session.add(row)
        context.session.flush()
        return row.uuid
    return fn


def _boot(ctx, project_id='p1', count=1, vcpus=1, memory_mb=512):
    return QUOTAS.check_deltas_and_run(
        ctx, project_id, ctx.user_id,
        {'instances': count, 'cores': vcpus * count,
         'ram': memory_mb * count}, _add_instance(project_id, vcpus,
                                                  memory_mb))


def test_defaults_are_novas(ctx):
    defaults = QUOTAS.get_defaults(ctx)
    assert defaults['instances'] == 10 and defaults['cores'] == 20
    assert defaults['ram'] == 51200 and defaults['fixed_ips'] == -1
    assert defaults['key_pairs'] == 100
    assert defaults['injected_file_path_bytes'] == 255
    assert defaults['injected_file_path_length'] == 255


def test_defaults_follow_config_and_default_class(ctx, conf):
    conf.config(instances=3, group='quota')
    assert QUOTAS.get_defaults(ctx)['instances'] == 3
    QUOTAS.update_class_quota(ctx, 'default', 'instances', 7)
    assert QUOTAS.get_defaults(ctx)['instances'] == 7
    assert QUOTAS.get_project_quotas(ctx, 'p1')['instances']['limit'] == 7


def test_project_quota_update_and_destroy(ctx):
    QUOTAS.update_project_quota(ctx, 'p1', 'cores', 4)
    QUOTAS.update_project_quota(ctx, 'p1', 'cores', 5)
    quotas = QUOTAS.get_project_quotas(ctx, 'p1')
    assert quotas['cores'] == {'limit': 5, 'in_use': 0, 'reserved': 0}
    assert QUOTAS.get_project_quotas(ctx, 'p2')['cores']['limit'] == 20
    QUOTAS.destroy_all_by_project(ctx, 'p1')
    assert QUOTAS.get_project_quotas(ctx, 'p1')['cores']['limit'] == 20
    with pytest.raises(exception.QuotaResourceUnknown):
        QUOTAS.update_project_quota(ctx, 'p1', 'bogus', 1)


def test_count_live_instances_of_the_project(ctx):
    _boot(ctx, vcpus=2, memory_mb=1024)
    _boot(ctx, vcpus=1, memory_mb=512)
    _boot(ctx, project_id='p2')
    assert QUOTAS.count(ctx, 'instances', 'p1') == 2
    assert QUOTAS.count(ctx, 'cores', 'p1') == 3
    assert QUOTAS.count(ctx, 'ram', 'p1') == 1536
    assert QUOTAS.count(ctx, 'instances', 'p1', user_id='bob') == 0
    usage = QUOTAS.get_project_quotas(ctx, 'p1')
    assert usage['instances']['in_use'] == 2
    assert usage['ram']['in_use'] == 1536


def test_over_quota_message_and_attributes(ctx):
    QUOTAS.update_project_quota(ctx, 'p1', 'instances', 10)
    for _ in range(9):
        _boot(ctx)
    with pytest.raises(exception.OverQuota) as info:
        _boot(ctx, count=2)
    error = info.value
    assert error.code == 403
    assert error.format_message() == (
        'Quota exceeded for instances: Requested 2, but already used 9 of '
        '10 instances')
    assert error.overs == ['instances']
    assert error.quotas['instances'] == 10
    assert error.usages['instances'] == 9
    assert QUOTAS.count(ctx, 'instances', 'p1') == 9


def test_unlimited_and_negative_deltas_pass(ctx):
    QUOTAS.update_project_quota(ctx, 'p1', 'instances', -1)
    for _ in range(12):
        _boot(ctx)
    assert QUOTAS.count(ctx, 'instances', 'p1') == 12
    assert QUOTAS.check_deltas_and_run(
        ctx, 'p1', 'alice', {'instances': -1}, lambda c: 'ok') == 'ok'


def test_fn_failure_rolls_back(ctx):
    def fail(context):
        _add_instance('p1')(context)
        raise RuntimeError('boom')
    with pytest.raises(RuntimeError):
        QUOTAS.check_deltas_and_run(ctx, 'p1', 'alice', {'instances': 1},
                                    fail)
    assert QUOTAS.count(ctx, 'instances', 'p1') == 0


def test_limit_check(ctx):
    QUOTAS.limit_check(ctx, 'p1', metadata_items=128)
    with pytest.raises(exception.OverQuota) as info:
        QUOTAS.limit_check(ctx, 'p1', metadata_items=129)
    assert info.value.overs == ['metadata_items']


def race(ctx, threads=20, limit=10, project_id='race'):
    """``threads`` concurrent boots of one instance against ``limit``."""
    QUOTAS.update_project_quota(ctx, project_id, 'instances', limit)
    barrier = threading.Barrier(threads)
    results, errors = [], []

    def boot():
        own = nimbus_context.RequestContext(user_id='alice',
                                            project_id=project_id)
        barrier.wait()
        try:
            results.append(_boot(own, project_id=project_id))
        except exception.OverQuota:
            results.append(None)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=boot) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert not errors, errors
    assert len(results) == threads
    return results


def test_twenty_concurrent_boots_never_exceed_ten(ctx):
    results = race(ctx)
    assert len([r for r in results if r]) == 10
    assert QUOTAS.count(ctx, 'instances', 'race') == 10
