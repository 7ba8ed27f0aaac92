"""The six daemons as separate processes over RabbitMQ and MariaDB (and
once over PostgreSQL): registration, heartbeats, down detection, clean
stop, and reconnection after the broker restarts."""

import json
import signal
import subprocess
import time
import urllib.request

import pytest

from nimbus import baserpc
from nimbus import context as nimbus_context
from nimbus import rpc
from tests.integration import daemons

ALL_UP = {'nimbus-' + d: 'up' for d in daemons.DAEMONS}
RPC_TOPICS = ('conductor', 'scheduler', 'network', 'volume', 'compute')


def _boot(cloud):
    cloud.manage('db', 'sync')
    cloud.start_all()
    return cloud.wait_for_states(ALL_UP, timeout=60)


@pytest.fixture
def rpc_client(conf):
    """Lets the test itself speak RPC on the cloud's broker."""
    def connect(url):
        rpc.init(conf.conf, url=url)
        return rpc.TRANSPORT
    yield connect
    rpc.cleanup()


def _ping_all(host, timeout):
    context = nimbus_context.get_admin_context()
    answers = {}
    for topic in RPC_TOPICS:
        answers[topic] = baserpc.BaseAPI(topic).ping(
            context, topic, host=host, timeout=timeout)
    return answers


def test_six_daemons_register_heartbeat_and_stop_cleanly(mysql_cloud,
                                                         rpc_client):
    states = _boot(mysql_cloud)
    assert set(states) == set(ALL_UP)
    assert all(status == 'enabled' for status, _ in states.values())

    rpc_client(mysql_cloud.transport_url)
    answers = _ping_all(mysql_cloud.host, timeout=10)
    assert {t: a['service'] for t, a in answers.items()} == {
        t: 'nimbus-' + t for t in RPC_TOPICS}

    url = 'http://127.0.0.1:%d/' % mysql_cloud.api_port
    with urllib.request.urlopen(url, timeout=5) as resp:
        assert 'versions' in json.load(resp)

    # SIGHUP reloads configuration and logging; the daemon stays up.
    mysql_cloud.processes['scheduler'].send_signal(signal.SIGHUP)
    time.sleep(1.5)
    mysql_cloud.assert_running()
    assert 'Reloading configuration' in mysql_cloud.log('scheduler')

    for daemon in daemons.DAEMONS:
        code, took = mysql_cloud.stop(daemon, signal.SIGTERM)
        assert code == 0, (daemon, code, mysql_cloud.log(daemon)[-2000:])
        assert took < 10, (daemon, took)


def test_killed_daemon_is_down_after_service_down_time(mysql_cloud):
    _boot(mysql_cloud)
    mysql_cloud.stop('scheduler', signal.SIGKILL)
    killed_at = time.monotonic()
    wanted = dict(ALL_UP, **{'nimbus-scheduler': 'down'})
    mysql_cloud.wait_for_states(wanted, timeout=20)
    # Not before service_down_time (5 s) has passed since the last beat.
    assert time.monotonic() - killed_at >= 3


def test_services_reconnect_after_rabbitmq_restart(mysql_cloud, rpc_client):
    _boot(mysql_cloud)
    subprocess.run(['rabbitmqctl', '-q', 'stop_app'], check=True,
                   timeout=120)
    try:
        time.sleep(3)
        mysql_cloud.assert_running()
    finally:
        subprocess.run(['rabbitmqctl', '-q', 'start_app'], check=True,
                       timeout=120)
    restarted = time.monotonic()
    rpc_client(mysql_cloud.transport_url)
    deadline = restarted + 60
    last_error = None
    while time.monotonic() < deadline:
        try:
            _ping_all(mysql_cloud.host, timeout=5)
            break
        except Exception as exc:  # not yet reconnected; try again
            last_error = exc
            time.sleep(1)
    else:
        raise AssertionError('services not reachable over RPC 60 s after '
                             'the broker restart: %r' % last_error)
    # Compute heartbeats through the conductor: up again means both
    # reconnected.
    remaining = max(deadline - time.monotonic(), 5)
    mysql_cloud.wait_for_states(ALL_UP, timeout=remaining)


def test_six_daemons_over_postgresql(postgresql_cloud):
    states = _boot(postgresql_cloud)
    assert set(states) == set(ALL_UP)
    for daemon in daemons.DAEMONS:
        code, took = postgresql_cloud.stop(daemon, signal.SIGTERM)
        assert code == 0 and took < 10, (daemon, code, took)
