"""nimbus-api's HTTP listeners ([DEFAULT]) and API behaviour ([api])."""

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

API_GROUP = cfg.OptGroup('api', title='API behaviour')

api_group_opts = [
    cfg.StrOpt(
        'auth_strategy',
        default='keystone',
        choices=[('keystone', 'Tokens checked by Keystone '
                              '(keystonemiddleware auth_token).'),
                 ('noauth2', 'X-Auth-Token is user[:project], trusted '
                             'as is; for single-user and test setups.')],
        help='How API requests are authenticated.'),
    cfg.IntOpt(
        'max_limit',
        default=1000,
        min=1,
        help='Most items one list request returns.'),
]


def register_opts(conf):
    conf.register_opts(api_opts)
    conf.register_group(API_GROUP)
    conf.register_opts(api_group_opts, group=API_GROUP)


def list_opts():
    return {'DEFAULT': api_opts, API_GROUP: api_group_opts}
