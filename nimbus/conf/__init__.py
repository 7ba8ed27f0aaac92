"""nimbus configuration: one module per option group.

Importing this package registers every option on the global ``CONF``; no
module reads a value at import time.  ``nimbus.config.parse_args`` reads
the files and the command line.
"""

from oslo_config import cfg

from nimbus.conf import api
from nimbus.conf import base
from nimbus.conf import compute
from nimbus.conf import database
from nimbus.conf import image
from nimbus.conf import libvirt
from nimbus.conf import metadata
from nimbus.conf import network
from nimbus.conf import quota
from nimbus.conf import scheduler
from nimbus.conf import service
from nimbus.conf import upgrade_levels

CONF = cfg.CONF

api.register_opts(CONF)
base.register_opts(CONF)
compute.register_opts(CONF)
database.register_opts(CONF)
image.register_opts(CONF)
libvirt.register_opts(CONF)
metadata.register_opts(CONF)
network.register_opts(CONF)
quota.register_opts(CONF)
scheduler.register_opts(CONF)
service.register_opts(CONF)
upgrade_levels.register_opts(CONF)
