"""[DEFAULT] options of nimbus-api's HTTP listeners."""

from oslo_config import cfg

api_opts = [
    cfg.HostAddressOpt(
        'osapi_compute_listen',
        default='0.0.0.0',
        help='Address the Compute API listens on.'),
    cfg.PortOpt(
        'osapi_compute_listen_port',
        default=8774,
        help='Port the Compute API listens on (0 picks a free one).'),
    cfg.IntOpt(
        'wsgi_threads',
        default=16,
        min=1,
        help='Worker threads of each HTTP listener.'),
    cfg.StrOpt(
        'api_paste_config',
        default='api-paste.ini',
        help='Paste Deploy file with the API pipelines; looked up in the '
             'config directories, then in etc/nimbus of the source tree.'),
]


def register_opts(conf):
    conf.register_opts(api_opts)


def list_opts():
    return {'DEFAULT': api_opts}
