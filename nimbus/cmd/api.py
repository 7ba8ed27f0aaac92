"""nimbus-api: the HTTP APIs (Compute API on osapi_compute_listen_port,
image API on image_listen_port, metadata API on metadata_listen_port),
one service row and heartbeat for all."""

import sys

from nimbus.cmd import common
from nimbus.conf import CONF
from nimbus import service
from nimbus import wsgi


class Listeners:
    """Several WSGI servers started, stopped and awaited as one, so that
    one WSGIService (one 'nimbus-api' row) serves every API.  ``port`` is
    the first (Compute API) server's; each is also reachable by name."""

    def __init__(self, servers):
        self.servers = list(servers)
        self.by_name = {server.name: server for server in self.servers}

    @property
    def name(self):
        return self.servers[0].name

    @property
    def port(self):
        return self.servers[0].port

    def start(self):
        started = []
        try:
            for server in self.servers:
                server.start()
                started.append(server)
        except Exception:
            for server in reversed(started):
                server.stop()
            raise

    def stop(self):
        for server in self.servers:
            server.stop()

    def wait(self, timeout=None):
        for server in self.servers:
            server.wait(timeout)


def make_compute_server():
    return wsgi.Server('osapi_compute', wsgi.load_app('osapi_compute'),
                       host=CONF.osapi_compute_listen,
                       port=CONF.osapi_compute_listen_port,
                       threads=CONF.wsgi_threads)


def make_image_server():
    return wsgi.Server('image', wsgi.load_app('image'),
                       host=CONF.image_listen, port=CONF.image_listen_port,
                       threads=CONF.wsgi_threads)


def make_metadata_server():
    return wsgi.Server('metadata', wsgi.load_app('metadata'),
                       host=CONF.metadata_listen,
                       port=CONF.metadata_listen_port,
                       threads=CONF.wsgi_threads)


def make_api_service():
    listeners = Listeners([make_compute_server(), make_image_server(),
                           make_metadata_server()])
    return service.WSGIService(CONF.host, 'nimbus-api', listeners)


def main(argv=None):
    argv = sys.argv if argv is None else argv
    common.init(argv)
    return common.launch([make_api_service()])
