"""nimbus.image.local: which image service URLs name a listener of this
process."""

import socket

import pytest

from nimbus.image import local
from nimbus import wsgi


@pytest.mark.parametrize('listen, url, served', [
    (('0.0.0.0', 9292), 'http://127.0.0.1:9292', True),
    (('0.0.0.0', 9292), 'http://localhost:9292/', True),
    (('0.0.0.0', 9292), 'http://[::1]:9292', True),
    (('0.0.0.0', 9292), 'http://test-host:9292', True),      # CONF.host
    (('0.0.0.0', 9292), 'http://%s:9292' % socket.gethostname(), True),
    (('0.0.0.0', 9292), 'http://127.0.0.1:9293', False),
    (('0.0.0.0', 9292), 'https://127.0.0.1:9292', False),
    (('0.0.0.0', 9292), 'http://glance.example.com:9292', False),
    (('0.0.0.0', 80), 'http://127.0.0.1', True),
    (('127.0.0.1', 9292), 'http://localhost:9292', True),
    (('127.0.0.1', 9292), 'http://192.0.2.10:9292', False),
    (('192.0.2.10', 9292), 'http://192.0.2.10:9292', True),
    (('192.0.2.10', 9292), 'http://127.0.0.1:9292', False),
    (('0.0.0.0', 9292), 'http://127.0.0.1:notaport', False),
])
def test_serves(conf, monkeypatch, listen, url, served):
    monkeypatch.setattr(wsgi, '_LISTENING', {('image',) + listen})
    assert local.serves([url]) is served
    assert local.serves(['http://glance.example.com:9292', url]) is served


def test_nothing_is_served_without_an_image_listener(conf, monkeypatch):
    monkeypatch.setattr(wsgi, '_LISTENING',
                        {('osapi_compute', '0.0.0.0', 9292)})
    assert local.serves(['http://127.0.0.1:9292']) is False
