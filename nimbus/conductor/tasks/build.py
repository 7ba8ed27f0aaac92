"""Build: ask the scheduler for hosts, then have each instance built on
its host; a compute host that failed a build sends the instance back here
(reschedule) with the hosts tried in ``filter_properties['retry']``."""

import copy

from oslo_log import log as logging
from oslo_utils import timeutils

from nimbus.compute import rpcapi as compute_rpcapi
from nimbus.compute import task_states
from nimbus.conductor.tasks import common
from nimbus.conf import CONF
from nimbus import exception
from nimbus import objects
from nimbus.objects import instance_action
from nimbus.scheduler import rpcapi as scheduler_rpcapi

LOG = logging.getLogger(__name__)


class BuildTask:
    def __init__(self, context, instances, image, request_spec,
                 filter_properties, requested_networks=None,
                 admin_password=None, injected_files=None,
                 security_groups=None, scheduler_api=None,
                 compute_api=None):
        self.context = context
        self.instances = list(instances)
        self.image = image
        self.request_spec = copy.deepcopy(request_spec or {})
        self.filter_properties = copy.deepcopy(filter_properties or {})
        self.requested_networks = requested_networks
        self.admin_password = admin_password
        self.injected_files = injected_files
        self.security_groups = security_groups
        self.scheduler_api = scheduler_api or scheduler_rpcapi.SchedulerAPI()
        self.compute_api = compute_api or compute_rpcapi.ComputeAPI()
        self._reporter = None   # the EventReporter of execute()

    def execute(self):
        uuids = [inst.uuid for inst in self.instances]
        if not uuids:
            return
        with instance_action.EventReporter(
                self.context, 'conductor_schedule_and_build_instances',
                CONF.host, *uuids) as self._reporter:
            self._execute()

    def _execute(self):
        try:
            common.populate_retry(self.filter_properties, self.instances[0]
                                  .uuid)
        except common.MaxRetriesExceeded as error:
            self._fail_all(error)
            return
        self.request_spec['instance_uuids'] = [
            inst.uuid for inst in self.instances]
        self.request_spec['num_instances'] = len(self.instances)
        try:
            destinations = self.scheduler_api.select_destinations(
                self.context, self.request_spec, self.filter_properties)
        except exception.NimbusException as error:
            # NoValidHost above all; its message says why.
            LOG.warning('Could not schedule %s: %s',
                        [i.uuid for i in self.instances], error)
            self._fail_all(error)
            return
        except Exception as error:
            LOG.exception('Scheduling failed')
            self._fail_all(error)
            return
        for instance, dest in zip(self.instances, destinations):
            self._build_on(instance, dest)
        for instance in self.instances[len(destinations):]:
            self._fail(instance, exception.NimbusException(
                'The scheduler returned too few hosts.'))

    def _build_on(self, instance, dest):
        host, node = dest['host'], dest.get('nodename')
        instance.scheduled_at = timeutils.utcnow()
        # The instance belongs to its host from here on: a delete goes to
        # that host (which aborts or undoes the build), and a restart of
        # that host finds it (recovery sets an unfinished build ERROR).
        # The compute host then needs no save of its own before it
        # allocates the network.
        instance.host = host
        instance.node = node
        # A lone instance's event ends with the save that hands it to its
        # host, in its transaction (the cast right after cannot fail: the
        # RabbitMQ driver retries until it is sent).
        event = self._reporter.ends_with_write() if self._reporter else None
        try:
            instance.save(expected_task_state=[task_states.SCHEDULING],
                          event=event)
        except (exception.InstanceNotFound,
                exception.UnexpectedTaskStateError):
            LOG.info('Instance %s was deleted while it was scheduled',
                     instance.uuid)
            return
        if event is not None:
            self._reporter.written()
        props = common.filter_properties_for_host(
            self.filter_properties, host, node, dest.get('limits'))
        self.compute_api.build_and_run_instance(
            self.context, instance, host, image=self.image,
            request_spec=self.request_spec, filter_properties=props,
            requested_networks=self.requested_networks, node=node,
            limits=dest.get('limits'), admin_password=self.admin_password,
            injected_files=self.injected_files,
            security_groups=self.security_groups,
            security_rules=self._security_rules(instance))

    def _security_rules(self, instance):
        """The instance's firewall rules for its host, read here (the
        conductor has the database) to spare the host a conductor call;
        None when the host cannot take them (a lower [upgrade_levels]
        compute): it reads them itself.

        Read after the save of ``instance.host`` above, never before: a
        rule change this read misses commits after it, so the refresh it
        triggers, sent to the host the database names after the commit,
        reaches ``host``, which then applies fresh rules instead of these
        (nimbus.compute.security.Refreshes)."""
        if not self.compute_api.can_send_version(
                compute_rpcapi.SECURITY_RULES_VERSION):
            return None
        try:
            return objects.InstanceSecurityRules.get_by_instance(
                self.context, instance.uuid)
        except Exception:
            LOG.exception('Could not read the security rules of %s; its '
                          'host will', instance.uuid)
            return None

    def _fail_all(self, error):
        for instance in self.instances:
            self._fail(instance, error)

    def _fail(self, instance, error):
        common.set_error_with_fault(self.context, instance, error)
