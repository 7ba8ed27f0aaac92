"""Build: claim -> network -> spawn -> ACTIVE; on failure clean up and
ask the conductor to reschedule (when retries are left), else ERROR with
a fault."""

import sys

from oslo_log import log as logging
from oslo_utils import timeutils

from nimbus.compute import power_state
from nimbus.compute import security
from nimbus.compute import task_states
from nimbus.compute import utils
from nimbus.compute import vm_states
from nimbus import exception
from nimbus.objects import instance_action

LOG = logging.getLogger(__name__)


class _Aborted(Exception):
    """The instance was deleted (or timed out) during its build."""


def build_and_run_instance(manager, context, instance, image, request_spec,
                           filter_properties, requested_networks, node,
                           limits, admin_password, injected_files,
                           security_groups, security_rules=None):
    with manager.instance_lock(instance.uuid), \
            instance_action.EventReporter(
                context, 'compute_build_and_run_instance', manager.host,
                instance.uuid) as reporter:
        build = _Build(manager, context, instance, image, request_spec,
                       filter_properties, requested_networks, node, limits,
                       admin_password, injected_files, security_rules)
        build.reporter = reporter
        build.run()


class _Build:
    def __init__(self, manager, context, instance, image, request_spec,
                 filter_properties, requested_networks, node, limits,
                 admin_password, injected_files, security_rules=None):
        self.manager = manager
        self.driver = manager.driver
        self.context = context
        self.instance = instance
        self.image = image or {}
        self.request_spec = request_spec or {}
        self.filter_properties = filter_properties or {}
        self.requested_networks = requested_networks
        self.node = node or manager.driver.get_available_nodes()[0]
        self.limits = limits or {}
        self.admin_password = admin_password
        self.injected_files = injected_files or []
        # Read by the conductor (None from an older one: asked for).
        self.security_rules = security_rules
        self.network_info = None
        self.spawned = False
        self.claim = None
        self.reporter = None    # an EventReporter: finishes the action

    def _save(self, expected, event=None):
        try:
            self.instance.save(expected_task_state=expected, event=event)
        except utils.DELETED_ERRORS:
            raise _Aborted('deleted')
        except exception.UnexpectedTaskStateError:
            # Someone else decided (build timeout, reset-state).
            raise _Aborted('task state changed')

    def run(self):
        rt = self.manager.resource_tracker
        rt.building(self.instance.uuid)
        try:
            self._run()
        finally:
            rt.built(self.instance.uuid)

    def _run(self):
        instance = self.instance
        try:
            self.claim = self.manager.resource_tracker.instance_claim(
                self.context, instance, self.node, self.limits)
            # The conductor saved host and node when it chose this host;
            # the network is allocated before the first save here (a
            # delete meanwhile makes that save fail, and _cleanup frees
            # the network again).
            instance.host = self.manager.host
            instance.node = self.node
            instance.launched_on = self.manager.host
            self._allocate_network()
            # The filter is in place before the guest first runs; with
            # the rules the conductor sent unless a refresh came since.
            security.apply_filter(self.manager, self.context, instance.uuid,
                                  self.network_info, self.security_rules)
            instance.task_state = task_states.SPAWNING
            # With the network info.
            self._save([task_states.SCHEDULING, task_states.NETWORKING])
            self.driver.spawn(self.context, instance, self.image,
                              self.injected_files, self.admin_password,
                              network_info=self.network_info)
            self.spawned = True
            instance.power_state = utils.get_power_state(self.driver,
                                                         instance)
            instance.vm_state = vm_states.ACTIVE
            instance.task_state = None
            instance.launched_at = timeutils.utcnow()
            instance.progress = 100
            # The build's event and action end with this save.
            event = (self.reporter.ends_with_write(finish_action=True)
                     if self.reporter is not None else None)
            self._save([task_states.SPAWNING], event=event)
            if event is not None:
                self.reporter.written()
        except _Aborted as why:
            LOG.info('Build of %s stopped: %s', instance.uuid, why)
            self._cleanup()
            return
        except Exception as error:
            exc_info = sys.exc_info()
            LOG.warning('Build of %s on %s failed: %s', instance.uuid,
                        self.manager.host, error)
            self._cleanup()
            self._reschedule_or_error(error, exc_info)
            return
        if self.reporter is not None:
            self.reporter.finish_action()
        else:
            utils.finish_action(self.context, instance)
        LOG.info('Instance %s is ACTIVE on %s', instance.uuid,
                 self.manager.host)

    def _allocate_network(self):
        instance = self.instance
        network_info = self.manager.network_api.allocate_for_instance(
            self.context, instance.uuid, instance.project_id,
            self.manager.host, requested_networks=self.requested_networks,
            macs=None)
        self.network_info = list(network_info or [])
        cache = instance.info_cache
        if cache is None:
            from nimbus import objects
            cache = objects.InstanceInfoCache(self.context,
                                              instance_uuid=instance.uuid)
            instance.info_cache = cache
        # Saved with the instance's next save (one conductor call less).
        cache.network_info = self.network_info

    def _cleanup(self):
        """Undo what this host did: guest, network, claim."""
        instance = self.instance
        try:
            self.driver.destroy(self.context, instance, self.network_info)
        except Exception:
            LOG.exception('Could not destroy the guest of %s',
                          instance.uuid)
        security.remove_filter(self.manager, instance.uuid)
        if self.network_info is not None:
            try:
                self.manager.network_api.deallocate_for_instance(
                    self.context, instance.uuid, host=self.manager.host)
            except Exception:
                LOG.exception('Could not free the network of %s',
                              instance.uuid)
        if self.claim is not None:
            self.claim.abort()
            self.manager.resource_tracker.drop(instance.uuid,
                                               context=self.context)

    def _reschedule_or_error(self, error, exc_info):
        instance = self.instance
        retry = self.filter_properties.get('retry')
        # An image that cannot boot here cannot boot anywhere.
        reschedulable = retry is not None and not isinstance(
            error, (exception.BuildAbortException,
                    exception.ImageUnacceptable))
        if reschedulable:
            utils.add_fault(self.context, instance, error, self.manager.host,
                            exc_info)
            retry['exc'] = str(error)
            instance.host = None
            instance.node = None
            instance.power_state = power_state.NOSTATE
            instance.task_state = task_states.SCHEDULING
            try:
                instance.save()
            except utils.DELETED_ERRORS:
                return
            LOG.info('Rescheduling %s away from %s', instance.uuid,
                     self.manager.host)
            self.manager.compute_task_api.build_instances(
                self.context, [instance], self.image, self.request_spec,
                self.filter_properties,
                requested_networks=self.requested_networks,
                admin_password=self.admin_password,
                injected_files=self.injected_files)
            return
        utils.set_error(self.context, instance, error, self.manager.host,
                        exc_info, power_state=power_state.NOSTATE)
