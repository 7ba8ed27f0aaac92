"""nimbus-api: the HTTP APIs (Compute API on osapi_compute_listen_port)."""

import sys

from nimbus.cmd import common
from nimbus.conf import CONF
from nimbus import service
from nimbus import wsgi


def make_api_service():
    server = wsgi.Server('osapi_compute', wsgi.load_app('osapi_compute'),
                         host=CONF.osapi_compute_listen,
                         port=CONF.osapi_compute_listen_port,
                         threads=CONF.wsgi_threads)
    return service.WSGIService(CONF.host, 'nimbus-api', server)


def main(argv=None):
    argv = sys.argv if argv is None else argv
    common.init(argv)
    return common.launch([make_api_service()])
