"""nimbus-scheduler: picks hosts for new instances.

The manager owns the scheduler driver (``scheduler_driver``) and the
thread that keeps the driver's host view current: one full load when the
service starts, then every ``[scheduler] sync_interval`` seconds the rows
changed since.
"""

import threading

import oslo_messaging as messaging
from oslo_log import log as logging

from nimbus.conf import CONF
from nimbus import context as nimbus_context
from nimbus import exception
from nimbus import manager
from nimbus.scheduler import driver

LOG = logging.getLogger(__name__)


class SchedulerManager(manager.Manager):
    target = messaging.Target(version='1.1')
    service_name = 'scheduler'

    def __init__(self, host=None, scheduler_driver=None):
        super().__init__(host)
        self.driver = driver.load_driver(scheduler_driver)
        self._sync_stop = threading.Event()
        self._sync_thread = None
        self._sync_failing = False

    @property
    def host_manager(self):
        return self.driver.host_manager

    # Service hooks -------------------------------------------------------

    def init_host(self):
        # Load the view before RPC starts, so the first request does not
        # pay for it; if the database is not there yet, the sync loop
        # (or the first request) loads it later.
        try:
            self.host_manager.load(nimbus_context.get_admin_context())
        except Exception:
            LOG.exception('Could not load the host view; will retry')

    def post_start_hook(self):
        self._sync_stop.clear()
        self._sync_thread = threading.Thread(
            target=self._sync_loop, daemon=True, name='scheduler-sync')
        self._sync_thread.start()

    def cleanup_host(self):
        self._sync_stop.set()
        if self._sync_thread is not None:
            self._sync_thread.join(5)
            self._sync_thread = None

    def reset(self):
        self.driver.reset()

    def _sync_loop(self):
        context = nimbus_context.get_admin_context()
        while not self._sync_stop.wait(CONF.scheduler.sync_interval):
            self.sync_host_view(context)

    def sync_host_view(self, context):
        """Apply the compute node and service rows changed since the last
        sync; a failure is logged once until a sync works again."""
        try:
            self.host_manager.sync(context)
        except Exception:
            if not self._sync_failing:
                self._sync_failing = True
                LOG.exception('Host view sync failed; will keep trying')
            return
        if self._sync_failing:
            self._sync_failing = False
            LOG.info('Host view sync works again')

    # RPC endpoints -------------------------------------------------------

    @messaging.expected_exceptions(exception.NoValidHost)
    def select_destinations(self, context, request_spec, filter_properties):
        """Hosts for the instances of ``request_spec`` (see
        nimbus.scheduler.rpcapi.SchedulerAPI.select_destinations)."""
        return self.driver.select_destinations(context, request_spec,
                                               filter_properties)
