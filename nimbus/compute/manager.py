"""nimbus-compute: drives the hypervisor of this host through a virt
driver.  Everything it reads or writes in the database goes through the
conductor (versioned objects with the conductor as indirection API).

This module holds the RPC endpoints and the periodic tasks; the work is
in sibling modules, one per workflow: build, lifecycle (delete, power,
rebuild), resize, snapshot, periodic, recovery.
"""

import contextlib
import threading
import time

import oslo_messaging as messaging
from oslo_log import log as logging

from nimbus.compute import build
from nimbus.compute import lifecycle
from nimbus.compute import periodic
from nimbus.compute import recovery
from nimbus.compute import resize
from nimbus.compute import resource_tracker
from nimbus.compute import rpcapi as compute_rpcapi
from nimbus.compute import security
from nimbus.compute import snapshot
from nimbus.conductor import rpcapi as conductor_rpcapi
from nimbus.conf import CONF
from nimbus import context as nimbus_context
from nimbus import manager
from nimbus.virt import driver as virt_driver
from nimbus.virt import firewall as virt_firewall

LOG = logging.getLogger(__name__)


class ComputeManager(manager.Manager):
    """RPC endpoints of nimbus-compute (see compute.rpcapi for the
    versions)."""

    target = messaging.Target(version='1.6')
    service_name = 'compute'

    def __init__(self, host=None, compute_driver=None):
        super().__init__(host=host)
        self.driver = virt_driver.load_compute_driver(
            compute_driver or CONF.compute_driver)
        self.resource_tracker = resource_tracker.ResourceTracker(
            self.host, self.driver)
        self.firewall = virt_firewall.load_firewall_driver(
            CONF.firewall_driver)
        self.refreshes = security.Refreshes()
        self._instance_locks = {}
        self._locks_lock = threading.Lock()
        self._last_run = {}
        self._network_api = None
        self._compute_task_api = None
        self._compute_rpcapi = None

    # Collaborators --------------------------------------------------------

    @property
    def network_api(self):
        if self._network_api is None:
            from nimbus.network import rpcapi as network_rpcapi
            self._network_api = network_rpcapi.NetworkAPI()
        return self._network_api

    @property
    def compute_task_api(self):
        if self._compute_task_api is None:
            self._compute_task_api = conductor_rpcapi.ComputeTaskAPI()
        return self._compute_task_api

    @property
    def compute_rpcapi(self):
        if self._compute_rpcapi is None:
            self._compute_rpcapi = compute_rpcapi.ComputeAPI()
        return self._compute_rpcapi

    @staticmethod
    def image_api():
        from nimbus.image import glance
        return glance.API()

    @contextlib.contextmanager
    def instance_lock(self, instance_uuid):
        """One operation at a time per instance on this host."""
        with self._locks_lock:
            lock = self._instance_locks.setdefault(instance_uuid,
                                                   threading.Lock())
        with lock:
            yield

    # Service hooks --------------------------------------------------------

    def init_host(self):
        self.driver.register_event_listener(self.handle_lifecycle_event)
        self.driver.init_host(self.host)
        context = nimbus_context.get_admin_context()
        try:
            recovery.init_instances(self, context)
        except Exception:
            LOG.exception('Recovering the instances of %s failed', self.host)
        try:
            security.reapply_all(self, context)
        except Exception:
            LOG.exception('Applying the instance filters of %s failed',
                          self.host)

    def post_start_hook(self):
        # Report resources at once, so the node is schedulable without
        # waiting for the first periodic run.
        self._update_available_resource(
            nimbus_context.get_admin_context())

    def handle_lifecycle_event(self, instance_uuid):
        """The hypervisor says a guest's power state changed: sync that
        instance now rather than at the next periodic sync."""
        periodic.sync_one_power_state(
            self, nimbus_context.get_admin_context(), instance_uuid)

    def cleanup_host(self):
        self.resource_tracker.stop_reports()
        self.driver.cleanup_host(self.host)

    # Build and delete (1.1) -----------------------------------------------

    def build_and_run_instance(self, context, instance, image, request_spec,
                               filter_properties, requested_networks=None,
                               node=None, limits=None, admin_password=None,
                               injected_files=None, security_groups=None,
                               security_rules=None):
        # security_rules: from 1.5 (None from an older conductor).
        build.build_and_run_instance(
            self, context, instance, image, request_spec, filter_properties,
            requested_networks, node, limits, admin_password,
            injected_files, security_groups, security_rules)

    def terminate_instance(self, context, instance):
        lifecycle.terminate_instance(self, context, instance)

    def soft_delete_instance(self, context, instance):
        lifecycle.soft_delete_instance(self, context, instance)

    def restore_instance(self, context, instance):
        lifecycle.restore_instance(self, context, instance)

    # Power (1.1) ------------------------------------------------------------

    def reboot_instance(self, context, instance, reboot_type):
        lifecycle.reboot_instance(self, context, instance, reboot_type)

    def stop_instance(self, context, instance):
        lifecycle.stop_instance(self, context, instance)

    def start_instance(self, context, instance):
        lifecycle.start_instance(self, context, instance)

    def pause_instance(self, context, instance):
        lifecycle.pause_instance(self, context, instance)

    def unpause_instance(self, context, instance):
        lifecycle.unpause_instance(self, context, instance)

    def suspend_instance(self, context, instance):
        lifecycle.suspend_instance(self, context, instance)

    def resume_instance(self, context, instance):
        lifecycle.resume_instance(self, context, instance)

    def rebuild_instance(self, context, instance, new_image_ref, image,
                         orig_image_ref, admin_password=None,
                         preserve_ephemeral=False):
        lifecycle.rebuild_instance(self, context, instance, image,
                                   admin_password)

    # Rescue (1.3) -----------------------------------------------------------

    def rescue_instance(self, context, instance, rescue_password,
                        rescue_image_ref=None):
        lifecycle.rescue_instance(self, context, instance, rescue_password,
                                  rescue_image_ref)

    def unrescue_instance(self, context, instance):
        lifecycle.unrescue_instance(self, context, instance)

    # Images and console (1.1) ---------------------------------------------

    def snapshot_instance(self, context, instance, image_id):
        snapshot.snapshot_instance(self, context, instance, image_id)

    def get_console_output(self, context, instance, tail_length=None):
        return snapshot.get_console_output(self, context, instance,
                                           tail_length)

    def trigger_crash_dump(self, context, instance):    # 1.6
        snapshot.trigger_crash_dump(self, context, instance)

    # Resize (1.2) -----------------------------------------------------------

    def prep_resize(self, context, instance, node, migration, request_spec,
                    filter_properties):
        resize.prep_resize(self, context, instance, node, migration,
                           filter_properties)

    def resize_instance(self, context, instance, migration):
        resize.resize_instance(self, context, instance, migration)

    def finish_resize(self, context, instance, migration, disk_info):
        resize.finish_resize(self, context, instance, migration, disk_info)

    def confirm_resize(self, context, instance, migration):
        resize.confirm_resize(self, context, instance, migration)

    def revert_resize(self, context, instance, migration):
        resize.revert_resize(self, context, instance, migration)

    def finish_revert_resize(self, context, instance, migration):
        resize.finish_revert_resize(self, context, instance, migration)

    # Security groups (1.4) ------------------------------------------------

    def refresh_instance_security_rules(self, context, instance_uuid):
        # Noted before the wait for the lock, which a build of the
        # instance holds: that build then reads fresh rules rather than
        # apply those the conductor read (security.Refreshes).
        self.refreshes.note(instance_uuid)
        with self.instance_lock(instance_uuid):
            security.refresh(self, context, instance_uuid)

    # Periodic tasks ---------------------------------------------------------
    # Intervals come from options read when the task runs (never at
    # import): each task is polled every second and runs when due.

    def _due(self, name, interval):
        if interval is None or interval <= 0:
            return False
        now = time.monotonic()
        last = self._last_run.get(name)
        if last is not None and now - last < interval:
            return False
        self._last_run[name] = now
        return True

    def _update_available_resource(self, context):
        for nodename in self.driver.get_available_nodes(refresh=True):
            try:
                self.resource_tracker.update_available_resource(context,
                                                                nodename)
            except Exception:
                LOG.exception('Could not report resources of node %s',
                              nodename)

    @manager.periodic(spacing=1, run_immediately=True)
    def update_available_resource(self, context):
        if self._due('update_available_resource',
                     CONF.update_resources_interval):
            self._update_available_resource(context)

    @manager.periodic(spacing=1, run_immediately=True)
    def _sync_power_states(self, context):
        if self._due('sync_power_states', CONF.sync_power_state_interval):
            periodic.sync_power_states(self, context)

    @manager.periodic(spacing=1, run_immediately=True)
    def _check_instance_build_time(self, context):
        if self._due('build_time', min(CONF.instance_build_timeout, 30)):
            periodic.check_instance_build_time(self, context)

    @manager.periodic(spacing=1, run_immediately=True)
    def _poll_rebooting_instances(self, context):
        if self._due('rebooting', min(CONF.reboot_timeout, 30)):
            periodic.poll_rebooting_instances(self, context)

    @manager.periodic(spacing=1, run_immediately=True)
    def _reclaim_queued_deletes(self, context):
        if self._due('reclaim', min(CONF.reclaim_instance_interval, 60)):
            periodic.reclaim_queued_deletes(self, context)

    @manager.periodic(spacing=1, run_immediately=False)
    def _run_image_cache_manager_pass(self, context):
        if self.driver.capabilities.get('has_imagecache') and \
                self._due('image_cache', CONF.image_cache_manager_interval):
            periodic.manage_image_cache(self, context)

    @manager.periodic(spacing=1, run_immediately=True)
    def _cleanup_running_deleted_instances(self, context):
        if self._due('running_deleted',
                     CONF.running_deleted_instance_poll_interval):
            periodic.cleanup_running_deleted_instances(self, context)
