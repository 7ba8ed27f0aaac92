"""[database] options: oslo.db's, with nimbus's default connection."""

from oslo_db import options as db_options

_DEFAULT_CONNECTION = 'sqlite:///$state_path/nimbus.sqlite'


def register_opts(conf):
    db_options.set_defaults(conf, connection=_DEFAULT_CONNECTION)


def list_opts():
    # oslo.db publishes its own namespace for the sample; nothing of ours.
    return {}
