"""Reading configuration and setting up logging, once per process."""

from oslo_log import log as logging

import nimbus.conf
from nimbus import rpc
from nimbus import version

CONF = nimbus.conf.CONF

_DEFAULT_LOG_LEVELS = [
    'amqp=WARN', 'amqplib=WARN', 'kombu=WARN', 'oslo.messaging=INFO',
    'oslo_messaging=INFO', 'sqlalchemy=WARN', 'stevedore=WARN',
    'oslo_db=WARN', 'oslo_policy=INFO', 'alembic=WARN', 'cheroot=WARN',
    'iso8601=WARN', 'urllib3=WARN', 'keystonemiddleware=WARN',
]

_logging_registered = False


def register_logging_opts(conf=CONF):
    global _logging_registered
    if not _logging_registered:
        logging.register_options(conf)
        logging.set_defaults(default_log_levels=_DEFAULT_LOG_LEVELS)
        _logging_registered = True


def parse_args(argv, default_config_files=None, init_rpc=True,
               default_transport_url=None):
    """Parse the command line and config files; set up RPC.

    ``default_transport_url`` is used when the configuration sets none
    (nimbus-all defaults to the in-process ``fake://`` bus).
    """
    register_logging_opts()
    rpc.set_defaults()
    CONF(argv[1:], project='nimbus', version=version.version_string(),
         default_config_files=default_config_files)
    if init_rpc:
        rpc.init(CONF, default_url=default_transport_url)


def setup_logging():
    logging.setup(CONF, 'nimbus', version=version.version_string())


def reload_config_and_logging():
    """SIGHUP: re-read mutable options and rebuild the log handlers, which
    also reopens log files after logrotate moved them."""
    CONF.mutate_config_files()
    setup_logging()
