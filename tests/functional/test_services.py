"""All six services in one process over fake:// and SQLite."""

import json
import threading
import time
import urllib.request

import oslo_messaging as messaging
import pytest

from nimbus import baserpc
from nimbus.cmd import all as all_cmd
from nimbus import context as nimbus_context
from nimbus.db import migration
from nimbus import manager
from nimbus import objects
from nimbus import service
from nimbus import servicegroup

TOPICS = ('conductor', 'scheduler', 'network', 'volume', 'compute')
BINARIES = {'nimbus-api'} | {'nimbus-' + t for t in TOPICS}


def _wait_for(predicate, timeout=15, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError('condition not met within %ss' % timeout)


@pytest.fixture
def cloud(conf, fake_rpc):
    conf.config(osapi_compute_listen='127.0.0.1', osapi_compute_listen_port=0,
                image_listen='127.0.0.1', image_listen_port=0,
                metadata_listen='127.0.0.1', metadata_listen_port=0)
    migration.db_sync()
    launcher = service.Launcher()
    for svc in all_cmd.build_services():
        launcher.launch_service(svc)
    yield launcher
    launcher.stop()


def test_every_service_registers_and_heartbeats(cloud):
    context = nimbus_context.get_admin_context()

    def heartbeats_seen():
        services = objects.ServiceList.get_all(context)
        counts = {s.binary: s.report_count for s in services}
        return set(counts) == BINARIES and min(counts.values()) >= 2 and (
            services)

    services = _wait_for(heartbeats_seen)
    for svc in services:
        assert svc.host == 'test-host'
        assert servicegroup.service_is_up(svc), svc.binary
        assert svc.last_seen_up is not None


def test_rpc_call_round_trip_to_each_service(cloud):
    context = nimbus_context.get_admin_context()
    for topic in TOPICS:
        for host in (None, 'test-host'):  # topic, and topic.host
            answer = baserpc.BaseAPI(topic).ping(context, 'hello', host=host,
                                                 timeout=10)
            assert answer == {'service': 'nimbus-' + topic,
                              'host': 'test-host', 'arg': 'hello'}


def test_compute_reports_its_node(cloud):
    context = nimbus_context.get_admin_context()
    nodes = _wait_for(lambda: objects.ComputeNodeList.get_all(context))
    assert [(n.host, n.hypervisor_type, n.vcpus) for n in nodes] == [
        ('test-host', 'fake', 16)]
    assert nodes[0].free_ram_mb == nodes[0].memory_mb


def test_api_serves_version_document(cloud):
    api = [s for s in cloud.services if s.binary == 'nimbus-api'][0]
    with urllib.request.urlopen('http://127.0.0.1:%d/' % api.port,
                                timeout=5) as resp:
        body = json.load(resp)
    assert {v['id'] for v in body['versions']} == {'v2.0', 'v2.1'}


class SlowManager(manager.Manager):
    target = messaging.Target(version='1.0')

    def __init__(self):
        super().__init__(host='test-host')
        self.started = threading.Event()

    def slow(self, context, seconds):
        self.started.set()
        time.sleep(seconds)
        return 'finished'


def test_stop_lets_in_flight_requests_finish(conf, fake_rpc):
    migration.db_sync()
    slow = SlowManager()
    svc = service.Service('test-host', 'nimbus-slow', 'slow', slow)
    svc.start()
    client = baserpc.rpc.get_client(messaging.Target(topic='slow'))
    result = {}

    def call():
        result['value'] = client.call(nimbus_context.get_admin_context(),
                                      'slow', seconds=1.5)

    caller = threading.Thread(target=call)
    caller.start()
    assert slow.started.wait(5)
    began = time.monotonic()
    svc.stop()
    svc.wait(timeout=10)
    caller.join(5)
    assert result == {'value': 'finished'}
    assert time.monotonic() - began >= 1.0  # stop waited for the request


def test_launcher_reload_runs_hook_and_manager_reset(conf, fake_rpc):
    migration.db_sync()
    reloaded = []

    class ResettingManager(manager.Manager):
        def reset(self):
            reloaded.append('manager')

    launcher = service.Launcher(reload_hook=lambda: reloaded.append('conf'))
    launcher.launch_service(service.Service(
        'test-host', 'nimbus-x', 'x', ResettingManager(host='test-host')))
    try:
        launcher.reload()
    finally:
        launcher.stop()
    assert reloaded == ['conf', 'manager']
