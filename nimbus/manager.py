"""Base class of the managers: the RPC endpoints and periodic tasks of a
service.  A manager hands long workflows to sibling modules."""

import oslo_messaging as messaging
from oslo_log import log as logging
from oslo_service import periodic_task

from nimbus.conf import CONF

LOG = logging.getLogger(__name__)

periodic = periodic_task.periodic_task


class Manager(periodic_task.PeriodicTasks):
    """RPC endpoint object of one service.

    ``target`` carries the version of the service's RPC API; ``init_host``
    runs before the RPC server starts consuming, ``cleanup_host`` after it
    stopped.
    """

    target = messaging.Target(version='1.0')
    service_name = None

    def __init__(self, host=None):
        super().__init__(CONF)
        self.host = host or CONF.host
        self.service_ref = None
        self.additional_endpoints = []

    def periodic_tasks(self, context, raise_on_error=False):
        """Run due periodic tasks; return seconds until the next is due."""
        return self.run_periodic_tasks(context, raise_on_error=raise_on_error)

    def init_host(self):
        """Prepare the host before RPC starts (e.g. recover instances)."""

    def pre_start_hook(self):
        """Runs after the service record exists, before RPC starts."""

    def post_start_hook(self):
        """Runs once the RPC server consumes."""

    def cleanup_host(self):
        """Runs after the RPC server stopped and in-flight work finished."""

    def reset(self):
        """Runs on SIGHUP, after the configuration was reloaded."""
