"""nimbus-compute: drives the hypervisor of this host through a virt
driver.  Everything it reads or writes in the database goes through the
conductor (versioned objects with the conductor as indirection API)."""

import oslo_messaging as messaging
from oslo_log import log as logging

from nimbus.compute import resource_tracker
from nimbus.conf import CONF
from nimbus import manager
from nimbus.virt import driver as virt_driver

LOG = logging.getLogger(__name__)


class ComputeManager(manager.Manager):
    target = messaging.Target(version='1.0')
    service_name = 'compute'

    def __init__(self, host=None, compute_driver=None):
        super().__init__(host=host)
        self.driver = virt_driver.load_compute_driver(
            compute_driver or CONF.compute_driver)
        self.resource_tracker = resource_tracker.ResourceTracker(
            self.host, self.driver)

    def init_host(self):
        self.driver.init_host(self.host)

    def post_start_hook(self):
        # Report resources at once, so the node is schedulable without
        # waiting for the first periodic run.
        from nimbus import context as nimbus_context
        self.update_available_resource(nimbus_context.get_admin_context())

    def cleanup_host(self):
        self.driver.cleanup_host(self.host)

    @manager.periodic(spacing=60, run_immediately=False)
    def update_available_resource(self, context):
        for nodename in self.driver.get_available_nodes(refresh=True):
            try:
                self.resource_tracker.update_available_resource(context,
                                                                nodename)
            except Exception:
                LOG.exception('Could not report resources of node %s',
                              nodename)
