"""[DEFAULT] options shared by every daemon: identity of the host, paths."""

import socket

from oslo_config import cfg

base_opts = [
    cfg.HostAddressOpt(
        'host',
        default=socket.gethostname(),
        sample_default='<current_hostname>',
        help='Name of this node, as it appears in the services table and '
             'as the server part of RPC topics (topic.host). Must be unique '
             'among the nodes running the same binary.'),
    cfg.StrOpt(
        'state_path',
        default='/var/lib/nimbus',
        help='Top-level directory for the state nimbus keeps on this node '
             '(the SQLite database of nimbus-all, instances, locks).'),
    cfg.StrOpt(
        'my_ip',
        default='127.0.0.1',
        help='IP address of this host on the management network.'),
]


def register_opts(conf):
    conf.register_opts(base_opts)


def list_opts():
    return {'DEFAULT': base_opts}
