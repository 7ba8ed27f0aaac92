"""A threaded WSGI server (cheroot) that starts and stops with a service.

cheroot is CherryPy's production HTTP server: a bounded pool of worker
threads, HTTP/1.1 keep-alive, and a graceful stop that lets requests in
flight finish, with no dependency on eventlet.
"""

import threading

from cheroot import wsgi
from oslo_log import log as logging
from paste import deploy

from nimbus.conf import CONF
from nimbus import exception

LOG = logging.getLogger(__name__)


# (name, host, port) of the servers this process is listening with: who
# needs to know whether an endpoint is served here (nimbus.image.local).
_LISTENING = set()


def listening(name):
    """[(host, port)] this process serves the app ``name`` on now."""
    return [(host, port) for served, host, port in list(_LISTENING)
            if served == name]


class Server:
    def __init__(self, name, app, host='0.0.0.0', port=0, threads=16,
                 shutdown_timeout=10):
        self.name = name
        self.app = app
        self.host = host
        self.port = port
        self._server = wsgi.Server((host, port), app, numthreads=threads,
                                   server_name=name,
                                   shutdown_timeout=shutdown_timeout)
        self._thread = None

    def start(self):
        self._server.prepare()  # binds the socket, so port 0 is resolved
        self.port = self._server.bind_addr[1]
        self._thread = threading.Thread(target=self._server.serve,
                                        name='wsgi-%s' % self.name,
                                        daemon=True)
        self._thread.start()
        _LISTENING.add((self.name, self.host, self.port))
        LOG.info('%s listening on %s:%s', self.name, self.host, self.port)

    def stop(self):
        _LISTENING.discard((self.name, self.host, self.port))
        self._server.stop()

    def wait(self, timeout=None):
        if self._thread is not None:
            self._thread.join(timeout)


def paste_config_path():
    """The api-paste.ini to load: from the config dirs, else the one
    shipped in etc/nimbus of the source tree."""
    path = CONF.find_file(CONF.api_paste_config)
    if path:
        return path
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    shipped = os.path.join(os.path.dirname(here), 'etc', 'nimbus',
                           os.path.basename(CONF.api_paste_config))
    if os.path.exists(shipped):
        return shipped
    raise exception.ConfigNotFound(path=CONF.api_paste_config)


def load_app(name):
    path = paste_config_path()
    LOG.debug('Loading app %s from %s', name, path)
    return deploy.loadapp('config:%s' % path, name=name)
