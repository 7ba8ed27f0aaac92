"""The image service: its listener in nimbus-api ([DEFAULT]), its API
([image]), formats ([image_format]), the filesystem store
([image_file_store]) and how other services reach it ([glance]).

Names are Nova's and Glance's where they had one for the same thing.
"""

from oslo_config import cfg

listen_opts = [
    cfg.HostAddressOpt(
        'image_listen',
        default='0.0.0.0',
        help='Address the image API listens on.'),
    cfg.PortOpt(
        'image_listen_port',
        default=9292,
        help='Port the image API listens on (0 picks a free one).'),
]

IMAGE_GROUP = cfg.OptGroup('image', title='Image API behaviour')

image_opts = [
    cfg.IntOpt(
        'limit_param_default',
        default=25,
        min=1,
        help='Images a list request returns when it gives no limit.'),
    cfg.IntOpt(
        'api_limit_max',
        default=1000,
        min=1,
        help='Most images one list request returns, whatever its limit.'),
    cfg.IntOpt(
        'image_size_cap',
        default=1099511627776,
        min=0,
        help='Largest image data an upload may store, in bytes (1 TiB).'),
]

FORMAT_GROUP = cfg.OptGroup('image_format', title='Image formats')

format_opts = [
    cfg.ListOpt(
        'disk_formats',
        default=['raw', 'qcow2', 'aki', 'ari', 'ami', 'iso'],
        help='Disk formats an image may declare.'),
    cfg.ListOpt(
        'container_formats',
        default=['bare', 'ami', 'aki', 'ari', 'ovf'],
        help='Container formats an image may declare.'),
]

FILE_STORE_GROUP = cfg.OptGroup('image_file_store',
                                title='Filesystem store of image data')

file_store_opts = [
    cfg.StrOpt(
        'filesystem_store_datadir',
        default='$state_path/images',
        help='Directory the image API keeps image data in, one file per '
             'image (created when missing).'),
]

GLANCE_GROUP = cfg.OptGroup('glance', title='Image service client')

glance_opts = [
    cfg.ListOpt(
        'api_servers',
        default=['http://127.0.0.1:9292'],
        help='URLs of the image API other services use (compute API, '
             'compute nodes), tried in turn when one cannot be reached.'),
    cfg.IntOpt(
        'num_retries',
        default=0,
        min=0,
        help='Further attempts, on the next server, after a connection '
             'to the image API failed.'),
    cfg.FloatOpt(
        'timeout',
        default=60.0,
        min=0.1,
        help='Seconds to wait for the image API to connect or to send the '
             'next piece of an answer.'),
]


def register_opts(conf):
    conf.register_opts(listen_opts)
    for group, opts in ((IMAGE_GROUP, image_opts),
                        (FORMAT_GROUP, format_opts),
                        (FILE_STORE_GROUP, file_store_opts),
                        (GLANCE_GROUP, glance_opts)):
        conf.register_group(group)
        conf.register_opts(opts, group=group)


def list_opts():
    return {'DEFAULT': listen_opts, IMAGE_GROUP: image_opts,
            FORMAT_GROUP: format_opts, FILE_STORE_GROUP: file_store_opts,
            GLANCE_GROUP: glance_opts}
