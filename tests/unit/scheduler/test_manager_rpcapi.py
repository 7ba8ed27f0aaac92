"""SchedulerManager and the select_destinations client."""

import oslo_messaging as messaging
import pytest

from nimbus import context as nimbus_context
from nimbus import exception
from nimbus.scheduler import chance
from nimbus.scheduler import filter_scheduler
from nimbus.scheduler import manager
from nimbus.scheduler import rpcapi
from tests.unit.scheduler import fakes


def test_manager_serves_version_1_1_with_the_configured_driver(conf):
    mgr = manager.SchedulerManager(host='test-host')
    assert mgr.target.version == '1.1'
    assert isinstance(mgr.driver, filter_scheduler.FilterScheduler)
    conf.config(scheduler_driver='chance_scheduler')
    assert isinstance(manager.SchedulerManager().driver,
                      chance.ChanceScheduler)


def test_manager_select_destinations_delegates_to_the_driver():
    mgr = manager.SchedulerManager(host='test-host')
    mgr.driver.host_manager = fakes.host_view({'h1': {}})
    context = nimbus_context.get_admin_context()
    result = mgr.select_destinations(context, fakes.request(), {})
    assert [r['host'] for r in result] == ['h1']


def test_client_sends_version_1_1_call(fake_rpc, monkeypatch):
    api = rpcapi.SchedulerAPI()
    sent = []

    class _Call:
        def call(self, context, method, **kwargs):
            sent.append((method, kwargs))
            return ['answer']

    prepared = []

    def prepare(version, server=None, **kwargs):
        prepared.append(version)
        return _Call()
    monkeypatch.setattr(api, 'prepare', prepare)
    context = nimbus_context.get_admin_context()
    assert api.select_destinations(context, {'num_instances': 1},
                                   {'retry': None}) == ['answer']
    assert prepared == ['1.1']
    assert sent == [('select_destinations',
                     {'request_spec': {'num_instances': 1},
                      'filter_properties': {'retry': None}})]


def test_client_capped_at_1_0_refuses(conf, fake_rpc):
    conf.config(scheduler='1.0', group='upgrade_levels')
    with pytest.raises(exception.RPCPinnedToOldVersion):
        rpcapi.SchedulerAPI().select_destinations(
            nimbus_context.get_admin_context(), {}, {})


def test_no_valid_host_is_an_expected_rpc_exception():
    mgr = manager.SchedulerManager(host='test-host')
    mgr.driver.host_manager = fakes.host_view({})
    with pytest.raises(messaging.ExpectedException) as err:
        mgr.select_destinations(nimbus_context.get_admin_context(),
                                fakes.request(), {})
    assert isinstance(err.value.exc_info[1], exception.NoValidHost)
