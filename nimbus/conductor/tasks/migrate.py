"""Resize: pick a destination for the new flavor (the current host only
with allow_resize_to_same_host), record the migration, and start it on
the destination (prep_resize)."""

from oslo_log import log as logging

from nimbus.compute import rpcapi as compute_rpcapi
from nimbus.conf import CONF
from nimbus import exception
from nimbus import objects
from nimbus.objects import instance_action
from nimbus.scheduler import rpcapi as scheduler_rpcapi

LOG = logging.getLogger(__name__)


class ResizeTask:
    def __init__(self, context, instance, flavor, request_spec,
                 scheduler_api=None, compute_api=None):
        self.context = context
        self.instance = instance
        self.flavor = flavor
        self.request_spec = dict(request_spec or {})
        self.scheduler_api = scheduler_api or scheduler_rpcapi.SchedulerAPI()
        self.compute_api = compute_api or compute_rpcapi.ComputeAPI()

    def execute(self):
        with instance_action.EventReporter(
                self.context, 'conductor_migrate_server', CONF.host,
                self.instance.uuid):
            self._execute()

    def _execute(self):
        instance = self.instance
        filter_properties = {'scheduler_hints': {},
                             'instance_type': self.request_spec.get(
                                 'flavor')}
        if not CONF.allow_resize_to_same_host:
            # The source counts as tried: the RetryFilter skips it.
            filter_properties['retry'] = {
                'num_attempts': 1, 'hosts': [[instance.host,
                                              instance.node]]}
            filter_properties['ignore_hosts'] = [instance.host]
        self.request_spec['instance_uuids'] = [instance.uuid]
        self.request_spec['num_instances'] = 1
        try:
            dest = self.scheduler_api.select_destinations(
                self.context, self.request_spec, filter_properties)[0]
        except Exception as error:
            LOG.warning('No destination for the resize of %s: %s',
                        instance.uuid, error)
            self._abort(error)
            return
        new_flavor = instance.get_flavor('new_')
        old_flavor = instance.get_flavor('old_') or instance.flavor
        migration = objects.Migration(
            self.context, instance_uuid=instance.uuid,
            source_compute=instance.host, source_node=instance.node,
            dest_compute=dest['host'], dest_node=dest.get('nodename'),
            dest_host=dest['host'],
            old_instance_type_id=getattr(old_flavor, 'id', None),
            new_instance_type_id=getattr(new_flavor, 'id', None),
            status='pre-migrating', migration_type='resize')
        migration.create()
        self.compute_api.prep_resize(
            self.context, instance, dest['host'], dest.get('nodename'),
            migration, self.request_spec, filter_properties)

    def _abort(self, error):
        """Back to how it was, with a fault saying why (written first:
        whoever sees the resize ended finds why)."""
        instance = self.instance
        objects.InstanceFault.from_exception(
            self.context, instance.uuid, error, host=CONF.host).create()
        instance.delete_flavor('new_')
        instance.delete_flavor('old_')
        instance.task_state = None
        try:
            instance.save()
        except exception.NotFound:
            return
        try:
            objects.InstanceAction.action_finish(self.context, instance.uuid,
                                                 message='Error')
        except exception.NotFound:
            pass
