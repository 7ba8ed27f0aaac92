"""The chance scheduler."""

import pytest

from nimbus import exception
from nimbus.scheduler import chance
from nimbus.scheduler import driver
from tests.unit.scheduler import fakes


class _Context:
    is_admin = True
    project_id = 'project-1'


def _scheduler(hosts):
    return chance.ChanceScheduler(host_manager=fakes.host_view(hosts))


def test_picks_only_enabled_up_hosts_of_the_zone_not_tried():
    sched = _scheduler({'off': ({}, {'disabled': True}),
                        'down': ({}, {'last_seen_up': fakes.ago(600),
                                      'updated_at': fakes.ago(600),
                                      'created_at': fakes.ago(600)}),
                        'other-zone': ({}, {'availability_zone': 'az2'}),
                        'tried': {}, 'ok': {}})
    for _ in range(20):
        result = sched.select_destinations(
            _Context(), fakes.request(availability_zone='nimbus'),
            {'retry': {'num_attempts': 2, 'hosts': [['tried', 'tried']]}})
        assert result == [{'host': 'ok', 'nodename': 'ok',
                           'limits': dict(driver.NO_LIMITS)}]


def test_ignores_resources():
    sched = _scheduler({'tiny': {'memory_mb': 64}})
    result = sched.select_destinations(
        _Context(), fakes.request(memory_mb=4096, num_instances=2), {})
    assert [r['host'] for r in result] == ['tiny', 'tiny']


def test_no_valid_host_names_the_filter():
    sched = _scheduler({'off': ({}, {'disabled': True})})
    with pytest.raises(exception.NoValidHost) as err:
        sched.select_destinations(_Context(), fakes.request(), {})
    assert 'ComputeFilter returned 0 hosts' in str(err.value)


def test_loaded_by_scheduler_driver_option(conf):
    conf.config(scheduler_driver='chance_scheduler')
    assert isinstance(driver.load_driver(), chance.ChanceScheduler)
