"""nimbus-all: every nimbus service in one process.

With no configuration it keeps a SQLite database under ``state_path``
(created and migrated at start) and uses the in-process ``fake://`` bus, so
it runs with no other software.  Point ``transport_url`` and ``[database]
connection`` elsewhere and the same process uses RabbitMQ and MariaDB.
"""

import os
import sys

from oslo_log import log as logging

from nimbus.cmd import api as api_cmd
from nimbus.cmd import common
from nimbus.compute import manager as compute_manager
from nimbus.conductor import manager as conductor_manager
from nimbus.conf import CONF
from nimbus.db import migration
from nimbus.network import manager as network_manager
from nimbus.scheduler import manager as scheduler_manager
from nimbus import service
from nimbus.volume import manager as volume_manager

LOG = logging.getLogger(__name__)

# Start order: the conductor first, since compute reports through it.
_RPC_SERVICES = (
    ('nimbus-conductor', 'conductor', conductor_manager.ConductorManager),
    ('nimbus-scheduler', 'scheduler', scheduler_manager.SchedulerManager),
    ('nimbus-network', 'network', network_manager.load_network_manager),
    ('nimbus-volume', 'volume', volume_manager.VolumeManager),
    ('nimbus-compute', 'compute', compute_manager.ComputeManager),
)


def build_services():
    services = [service.Service(CONF.host, binary, topic, factory())
                for binary, topic, factory in _RPC_SERVICES]
    services.append(api_cmd.make_api_service())
    return services


def prepare_state():
    """Create state_path and bring a SQLite database up to date."""
    os.makedirs(CONF.state_path, exist_ok=True)
    if CONF.database.connection.startswith('sqlite'):
        migration.db_sync()


def main(argv=None):
    argv = sys.argv if argv is None else argv
    # One user on one machine: no Keystone unless the operator sets one up.
    CONF.set_default('auth_strategy', 'noauth2', group='api')
    common.init(argv, default_transport_url='fake://')
    prepare_state()
    LOG.info('nimbus-all: state in %s, database %s', CONF.state_path,
             CONF.database.connection.split('://')[0])
    return common.launch(build_services())
