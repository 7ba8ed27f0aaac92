"""RPC clients: version caps from [upgrade_levels], context serializer."""

import oslo_messaging as messaging
import pytest

from nimbus.conductor import rpcapi as conductor_rpcapi
from nimbus import context as nimbus_context
from nimbus import exception
from nimbus import objects
from nimbus import rpc
from nimbus.compute import rpcapi as compute_rpcapi
from nimbus.network import rpcapi as network_rpcapi
from nimbus.scheduler import rpcapi as scheduler_rpcapi
from nimbus.volume import rpcapi as volume_rpcapi

ALL_CLIENTS = [compute_rpcapi.ComputeAPI, conductor_rpcapi.ConductorAPI,
               network_rpcapi.NetworkAPI, scheduler_rpcapi.SchedulerAPI,
               volume_rpcapi.VolumeAPI]


@pytest.mark.parametrize('client_class', ALL_CLIENTS)
def test_client_has_versioned_target_and_history(fake_rpc, client_class):
    client = client_class()
    assert client.client.target.topic == client_class.TOPIC
    assert client.client.target.version == client_class.BASE_VERSION
    # The docstring carries the version history, newest version included.
    assert '* %s - ' % client_class.BASE_VERSION in client_class.__doc__
    assert client.version_cap is None


@pytest.mark.parametrize('client_class', ALL_CLIENTS)
def test_upgrade_level_caps_client(conf, fake_rpc, client_class):
    conf.config(**{client_class.UPGRADE_LEVEL: '1.0'},
                group='upgrade_levels')
    client = client_class()
    assert client.version_cap == '1.0'
    assert client.can_send_version('1.0')
    assert not client.can_send_version('1.1')
    with pytest.raises(exception.RPCPinnedToOldVersion) as err:
        client.prepare('1.1')
    assert 'cap' in str(err.value) and '1.1' in str(err.value)


def test_release_alias_resolves_to_version(conf, fake_rpc):
    conf.config(conductor='grizzly', group='upgrade_levels')
    assert conductor_rpcapi.ConductorAPI().version_cap == '1.0'


def test_capped_call_never_reaches_the_wire(conf, fake_rpc, monkeypatch):
    conf.config(conductor='0.9', group='upgrade_levels')
    api = conductor_rpcapi.ConductorAPI()
    sent = []
    monkeypatch.setattr(messaging.rpc.client._BaseCallContext, 'call',
                        lambda self, *a, **kw: sent.append(a))
    with pytest.raises(exception.RPCPinnedToOldVersion):
        api.object_action(nimbus_context.get_admin_context(), None, 'save',
                          (), {})
    assert sent == []


def test_serializer_round_trips_context_and_objects(conf):
    serializer = rpc.default_serializer()
    ctxt = nimbus_context.RequestContext(user_id='u1', project_id='p1',
                                         roles=['member'],
                                         remote_address='10.0.0.9')
    wire_ctxt = serializer.serialize_context(ctxt)
    back = serializer.deserialize_context(wire_ctxt)
    assert isinstance(back, nimbus_context.RequestContext)
    assert (back.user_id, back.project_id, back.roles,
            back.remote_address, back.request_id) == (
        'u1', 'p1', ['member'], '10.0.0.9', ctxt.request_id)

    svc = objects.Service(ctxt, host='h1', binary='nimbus-compute',
                          topic='compute', report_count=3, disabled=False)
    primitive = serializer.serialize_entity(ctxt, svc)
    assert primitive['nimbus_object.name'] == 'Service'
    restored = serializer.deserialize_entity(back, primitive)
    assert isinstance(restored, objects.Service)
    assert (restored.host, restored.binary, restored.report_count) == (
        'h1', 'nimbus-compute', 3)
    # Plain data passes untouched.
    assert serializer.serialize_entity(ctxt, {'a': [1, 2]}) == {'a': [1, 2]}


def test_nimbus_exceptions_cross_rpc_as_themselves(fake_rpc):
    target = messaging.Target(topic='test-exc', server='h')

    class Endpoint:
        def fail(self, context):
            raise exception.HostBinaryNotFound(host='h', binary='b')

    server = rpc.get_server(target, [Endpoint()])
    server.start()
    try:
        client = rpc.get_client(messaging.Target(topic='test-exc'))
        with pytest.raises(exception.HostBinaryNotFound) as err:
            client.call(nimbus_context.get_admin_context(), 'fail')
        assert 'No service b on host h' in str(err.value)
    finally:
        server.stop()
        server.wait()


def test_default_url_only_when_operator_set_no_transport(conf):
    # nimbus-all: the in-process bus unless transport_url is configured.
    try:
        transport = rpc.init(conf.conf, default_url='fake://')
        assert transport._driver.__class__.__name__ == 'FakeDriver'
        rpc.cleanup()
        conf.config(transport_url='rabbit://guest:guest@127.0.0.1:5672/')
        transport = rpc.init(conf.conf, default_url='fake://')
        assert transport._driver.__class__.__name__ == 'RabbitDriver'
    finally:
        rpc.cleanup()


@pytest.mark.parametrize('cap, rules, version, sent', [
    (None, [{'protocol': 'tcp'}], '1.5', True),
    (None, None, '1.1', False),
    ('1.4', [{'protocol': 'tcp'}], '1.1', False),
    ('grizzly', [{'protocol': 'tcp'}], '1.1', False),
])
def test_build_sends_security_rules_only_when_the_cap_allows(
        conf, fake_rpc, monkeypatch, cap, rules, version, sent):
    if cap is not None:
        conf.config(compute=cap, group='upgrade_levels')
    casts = []
    monkeypatch.setattr(
        compute_rpcapi.ComputeAPI, '_cast',
        lambda self, context, version, host, method, **kwargs:
        casts.append((version, host, method, kwargs)))
    compute_rpcapi.ComputeAPI().build_and_run_instance(
        nimbus_context.get_admin_context(), None, 'h1', image={},
        request_spec={}, filter_properties={}, security_rules=rules)
    [(got_version, host, method, kwargs)] = casts
    assert (got_version, host, method) == (version, 'h1',
                                           'build_and_run_instance')
    assert ('security_rules' in kwargs) == sent
    if sent:
        assert kwargs['security_rules'] == rules
