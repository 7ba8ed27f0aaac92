"""nimbus-api serves the image API beside the Compute API: two listeners,
one 'nimbus-api' service row and heartbeat."""

import json
import socket
import urllib.error
import urllib.request

import pytest

from nimbus.cmd import api as api_cmd
from nimbus import context as nimbus_context
from nimbus import objects


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:  # 300 Multiple Choices
        return exc.code, json.load(exc)


@pytest.fixture
def api_service(image_db, fake_rpc):
    image_db.config(osapi_compute_listen='127.0.0.1',
                    osapi_compute_listen_port=0, image_listen='127.0.0.1',
                    image_listen_port=0, metadata_listen='127.0.0.1',
                    metadata_listen_port=0)
    svc = api_cmd.make_api_service()
    svc.start()
    yield svc
    svc.stop()
    svc.wait(5)


def test_both_apis_answer_and_one_service_row(api_service):
    listeners = api_service.server
    compute_port = listeners.by_name['osapi_compute'].port
    image_port = listeners.by_name['image'].port
    assert api_service.port == compute_port != image_port
    status, body = _get('http://127.0.0.1:%d/' % compute_port)
    assert status == 200 and {v['id'] for v in body['versions']} == {
        'v2.0', 'v2.1'}
    status, body = _get('http://127.0.0.1:%d/versions' % image_port)
    assert status == 200 and body['versions'][0]['id'] == 'v2.5'
    status, body = _get('http://127.0.0.1:%d/' % image_port)
    assert status == 300
    # The metadata API: versions for anyone, data only for instances.
    metadata_port = listeners.by_name['metadata'].port
    assert metadata_port not in (compute_port, image_port)
    with urllib.request.urlopen('http://127.0.0.1:%d/' % metadata_port,
                                timeout=10) as resp:
        assert resp.read().decode().splitlines()[-1] == 'latest'
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen('http://127.0.0.1:%d/latest/meta-data/'
                               % metadata_port, timeout=10)
    assert info.value.code == 404
    services = objects.ServiceList.get_all(
        nimbus_context.get_admin_context())
    assert [s.binary for s in services] == ['nimbus-api']


def test_a_busy_image_port_stops_the_start_cleanly(image_db, fake_rpc):
    with socket.socket() as busy:
        busy.bind(('127.0.0.1', 0))
        busy.listen()
        image_db.config(osapi_compute_listen='127.0.0.1',
                        osapi_compute_listen_port=0,
                        metadata_listen='127.0.0.1', metadata_listen_port=0,
                        image_listen='127.0.0.1',
                        image_listen_port=busy.getsockname()[1])
        svc = api_cmd.make_api_service()
        with pytest.raises(OSError):
            svc.start()
        # The Compute listener that had started is closed again.
        compute = svc.server.by_name['osapi_compute']
        with socket.socket() as probe:
            assert probe.connect_ex(('127.0.0.1', compute.port)) != 0
