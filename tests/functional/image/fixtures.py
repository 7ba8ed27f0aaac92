"""Image API fixtures any test may use.

Bind the ones you need in your conftest.py (they build on the ``conf``
fixture of tests/conftest.py; ``image_server`` needs ``image_db``)::

    from tests.functional.image import fixtures as image_fixtures

    image_db = image_fixtures.image_db
    image_server = image_fixtures.image_server
    image_api_url = image_fixtures.image_api_url

``image_server``  the image API (real paste pipeline, noauth2) served by
                  cheroot on 127.0.0.1, a free port, with this test's
                  SQLite database and image directory; ``[glance]
                  api_servers`` points at it, so nimbus.image.glance.API()
                  reaches it with no further setup.
``image_api_url`` its URL, e.g. http://127.0.0.1:41234
``image_app``     the same WSGI app without a socket, for webob requests.
``glance``        a nimbus.image.glance.API() talking to ``image_server``.
"""

import pytest

from nimbus.db import migration
from nimbus.image import glance as glance_client
from nimbus import wsgi as nimbus_wsgi


class ImageServer:
    """The image endpoint on a free loopback port, started and stopped
    by the fixture."""

    def __init__(self):
        self.server = nimbus_wsgi.Server('image',
                                         nimbus_wsgi.load_app('image'),
                                         host='127.0.0.1', port=0,
                                         threads=4, shutdown_timeout=2)

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.server.port

    def start(self):
        self.server.start()

    def stop(self):
        self.server.stop()
        self.server.wait(5)


@pytest.fixture
def image_db(conf):
    """This test's database, migrated (idempotent if already done)."""
    migration.db_sync()
    return conf


@pytest.fixture
def image_app(image_db):
    return nimbus_wsgi.load_app('image')


@pytest.fixture
def image_server(image_db):
    server = ImageServer()
    server.start()
    image_db.config(api_servers=[server.url], group='glance')
    yield server
    server.stop()


@pytest.fixture
def image_api_url(image_server):
    return image_server.url


@pytest.fixture
def glance(image_server):
    return glance_client.API()
