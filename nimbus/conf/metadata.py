"""The metadata API's listener ([DEFAULT]) and behaviour ([api]), with
Nova's names."""

from oslo_config import cfg

from nimbus.conf import api

metadata_opts = [
    cfg.HostAddressOpt(
        'metadata_listen',
        default='0.0.0.0',
        help='Address the metadata API listens on.'),
    cfg.PortOpt(
        'metadata_listen_port',
        default=8775,
        help='Port the metadata API listens on (0 picks a free one).'),
]

metadata_api_opts = [
    cfg.BoolOpt(
        'use_forwarded_for',
        default=False,
        help='Take the address of a metadata request from the '
             'X-Forwarded-For header. Only when a trusted proxy in front '
             'of the API sets it: otherwise an instance could claim '
             'another\'s address and read its data.'),
    cfg.IntOpt(
        'metadata_cache_expiration',
        default=15,
        min=0,
        help='Seconds the metadata of an instance is kept after a request '
             'for it; 0 reads the database for every request.'),
    cfg.StrOpt(
        'dhcp_domain',
        default='novalocal',
        help='Domain appended to instance hostnames in the metadata '
             '(hostname, local-hostname); empty for none.'),
]


def register_opts(conf):
    conf.register_opts(metadata_opts)
    conf.register_group(api.API_GROUP)
    conf.register_opts(metadata_api_opts, group=api.API_GROUP)


def list_opts():
    return {'DEFAULT': metadata_opts, api.API_GROUP: metadata_api_opts}
