"""The network RPC client: versions, and where each call is sent."""

import pytest

from nimbus import context as nimbus_context
from nimbus import exception
from nimbus.network import rpcapi as network_rpcapi


class _Recorder:
    def __init__(self):
        self.sent = []

    def prepare(self, version, server=None, **kwargs):
        recorder = self

        class _Context:
            def call(self, context, method, **kw):
                recorder.sent.append(('call', version, server, method, kw))
                return []

            def cast(self, context, method, **kw):
                recorder.sent.append(('cast', version, server, method, kw))
        return _Context()


@pytest.fixture
def api(fake_rpc, monkeypatch):
    client = network_rpcapi.NetworkAPI()
    recorder = _Recorder()
    monkeypatch.setattr(client, 'prepare', recorder.prepare)
    client.recorder = recorder
    return client


CTX = nimbus_context.get_admin_context()


def test_allocate_goes_to_the_topic_without_multi_host(api):
    # A set of MACs (as a hypervisor gives them) travels as a list.
    api.allocate_for_instance(CTX, 'i1', 'p1', 'compute1',
                              requested_networks='auto',
                              macs={'fa:16:3e:00:00:01'})
    assert api.recorder.sent == [
        ('call', '1.1', None, 'allocate_for_instance',
         {'instance_uuid': 'i1', 'project_id': 'p1', 'host': 'compute1',
          'requested_networks': 'auto', 'macs': ['fa:16:3e:00:00:01']})]


def test_with_multi_host_calls_go_to_the_instances_host(conf, api):
    conf.config(multi_host=True)
    api.allocate_for_instance(CTX, 'i1', 'p1', 'compute1')
    api.deallocate_for_instance(CTX, 'i1', host='compute1')
    api.get_instance_nw_info(CTX, 'i1')
    assert [(kind, server, method) for kind, _, server, method, _ in
            api.recorder.sent] == [
        ('call', 'compute1', 'allocate_for_instance'),
        ('call', 'compute1', 'deallocate_for_instance'),
        ('call', None, 'get_instance_nw_info')]


def test_refresh_network_is_a_cast_to_the_serving_host(api):
    api.refresh_network(CTX, 'n1', 'net2', released=[('10.0.0.2', 'm')])
    assert api.recorder.sent == [('cast', '1.1', 'net2', 'refresh_network',
                                  {'network_uuid': 'n1',
                                   'released': [['10.0.0.2', 'm']]})]


def test_pinned_to_1_0_refuses_allocation(conf, fake_rpc):
    conf.config(network='1.0', group='upgrade_levels')
    api = network_rpcapi.NetworkAPI()
    with pytest.raises(exception.RPCPinnedToOldVersion):
        api.allocate_for_instance(CTX, 'i1', 'p1', 'h1')
    assert network_rpcapi.NetworkAPI.BASE_VERSION == '1.2'


def test_pinned_to_1_1_refuses_floating_ips(conf, fake_rpc):
    conf.config(network='1.1', group='upgrade_levels')
    api = network_rpcapi.NetworkAPI()
    with pytest.raises(exception.RPCPinnedToOldVersion):
        api.allocate_floating_ip(CTX, 'p1', 'nova')
