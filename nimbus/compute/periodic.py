"""Periodic tasks of nimbus-compute: power-state sync, build timeout,
reboot timeout, reclaim of soft-deleted instances, and cleanup of guests
whose instance was deleted."""

import datetime

from oslo_log import log as logging
from oslo_utils import timeutils

from nimbus.compute import lifecycle
from nimbus.compute import power_state
from nimbus.compute import task_states
from nimbus.compute import utils
from nimbus.compute import vm_states
from nimbus.conf import CONF
from nimbus import exception
from nimbus import objects

LOG = logging.getLogger(__name__)


def _older_than(when, seconds):
    if when is None:
        return True
    when = when.replace(tzinfo=None)
    return timeutils.utcnow() - when > datetime.timedelta(seconds=seconds)


# Power-state sync --------------------------------------------------------

def sync_power_states(manager, context):
    """The database follows the hypervisor: a guest found off makes its
    ACTIVE instance SHUTOFF; a guest running although the user stopped it
    is powered off (nimbus never starts what the user stopped).
    Instances with a task in progress are left to their task."""
    for instance in objects.InstanceList.get_by_host(context, manager.host):
        if instance.task_state is not None:
            continue
        try:
            with manager.instance_lock(instance.uuid):
                sync_instance_power_state(manager, context, instance)
        except Exception:
            LOG.exception('Power sync of %s failed', instance.uuid)


def sync_one_power_state(manager, context, instance_uuid):
    """Sync one instance of this host (a hypervisor event named it); an
    instance busy with a task is left to its task, which settles the
    power state itself."""
    try:
        with manager.instance_lock(instance_uuid):
            # Gone from the hypervisor: deleted meanwhile (the periodic
            # sync still catches a guest the hypervisor lost).
            if instance_uuid not in manager.driver.list_instance_uuids():
                return
            instance = objects.Instance.get_by_uuid(context, instance_uuid)
            if instance.host != manager.host or \
                    instance.task_state is not None:
                return
            sync_instance_power_state(manager, context, instance)
    except exception.NotFound:
        pass
    except Exception:
        LOG.exception('Power sync of %s after a hypervisor event failed',
                      instance_uuid)


def sync_instance_power_state(manager, context, instance):
    actual = utils.get_power_state(manager.driver, instance)
    vm_state = instance.vm_state
    changes = {}
    if instance.power_state != actual:
        changes['power_state'] = actual
    off = (power_state.SHUTDOWN, power_state.CRASHED, power_state.NOSTATE)
    if vm_state == vm_states.ACTIVE and (actual in off or
                                         actual == power_state.SUSPENDED):
        LOG.warning('Instance %s is ACTIVE but its guest is %s: SHUTOFF',
                    instance.uuid, power_state.STATE_MAP.get(actual))
        if actual == power_state.SUSPENDED:
            manager.driver.power_off(instance)
            changes['power_state'] = power_state.SHUTDOWN
        changes['vm_state'] = vm_states.STOPPED
    elif vm_state in (vm_states.PAUSED, vm_states.SUSPENDED) and \
            actual in off:
        changes['vm_state'] = vm_states.STOPPED
    elif vm_state == vm_states.STOPPED and actual not in off:
        LOG.warning('Instance %s is SHUTOFF but its guest runs: powering '
                    'it off', instance.uuid)
        manager.driver.power_off(instance)
        changes['power_state'] = utils.get_power_state(manager.driver,
                                                       instance)
    if not changes:
        return
    for name, value in changes.items():
        setattr(instance, name, value)
    try:
        # Only if no action started meanwhile.
        instance.save(expected_task_state=[None],
                      expected_vm_state=[vm_state])
    except (exception.UnexpectedTaskStateError,
            exception.InstanceInvalidState, exception.InstanceNotFound):
        pass


# Timeouts ----------------------------------------------------------------

def check_instance_build_time(manager, context):
    """Instances in BUILD on this host for longer than
    instance_build_timeout go to ERROR."""
    timeout = CONF.instance_build_timeout
    if timeout <= 0:
        return
    for instance in objects.InstanceList.get_by_filters(
            context, {'host': manager.host, 'vm_state': vm_states.BUILDING}):
        if not _older_than(instance.created_at, timeout):
            continue
        error = exception.InstanceBuildTimeout(timeout=timeout)
        LOG.warning('Instance %s: %s', instance.uuid,
                    error.format_message())
        utils.set_error(context, instance, error, manager.host)


def poll_rebooting_instances(manager, context):
    """Reboots still running after reboot_timeout are done again, hard."""
    timeout = CONF.reboot_timeout
    if timeout <= 0:
        return
    stuck = (task_states.SOFT_REBOOT_STATES +
             task_states.HARD_REBOOT_STATES)
    for instance in objects.InstanceList.get_by_filters(
            context, {'host': manager.host, 'task_state': list(stuck)}):
        if not _older_than(instance.updated_at, timeout):
            continue
        LOG.warning('Reboot of %s timed out; rebooting it hard',
                    instance.uuid)
        with manager.instance_lock(instance.uuid):
            try:
                lifecycle.finish_reboot(manager, context, instance, 'HARD')
            except Exception as error:
                utils.set_error(context, instance, error, manager.host)


# Image cache -------------------------------------------------------------

def manage_image_cache(manager, context):
    try:
        instances = objects.InstanceList.get_by_host(context, manager.host)
        removed = manager.driver.manage_image_cache(context, instances)
    except Exception:
        LOG.exception('Image cache pass failed')
        return
    if removed:
        LOG.info('Image cache: removed %d unused base image(s)',
                 len(removed))


# Deletes -----------------------------------------------------------------

def reclaim_queued_deletes(manager, context):
    """Soft-deleted instances older than reclaim_instance_interval are
    deleted for good."""
    interval = CONF.reclaim_instance_interval
    if interval <= 0:
        return
    for instance in objects.InstanceList.get_by_filters(
            context, {'host': manager.host,
                      'vm_state': vm_states.SOFT_DELETED,
                      'task_state': [None]},
            expected_attrs=['info_cache']):
        if not _older_than(instance.updated_at, interval):
            continue
        LOG.info('Reclaiming soft-deleted instance %s', instance.uuid)
        with manager.instance_lock(instance.uuid):
            try:
                instance.task_state = task_states.DELETING
                instance.save(expected_task_state=[None])
                lifecycle.do_terminate(manager, context, instance)
            except Exception:
                LOG.exception('Reclaiming %s failed', instance.uuid)


def cleanup_running_deleted_instances(manager, context):
    """Guests on the hypervisor whose instance is deleted: noop, log,
    shutdown or reap, after running_deleted_instance_timeout."""
    action = CONF.running_deleted_instance_action
    if action == 'noop':
        return
    live = {inst.uuid for inst in objects.InstanceList.get_by_host(
        context, manager.host)}
    deleted_ctx = context.elevated(read_deleted='yes')
    for uuid in manager.driver.list_instance_uuids():
        if uuid in live:
            continue
        try:
            instance = objects.Instance.get_by_uuid(deleted_ctx, uuid)
        except exception.NotFound:
            continue
        if not instance.deleted or not _older_than(
                instance.deleted_at,
                CONF.running_deleted_instance_timeout):
            continue
        if action == 'log':
            LOG.warning('Guest of deleted instance %s still on %s', uuid,
                        manager.host)
        elif action == 'shutdown':
            LOG.warning('Powering off the guest of deleted instance %s',
                        uuid)
            manager.driver.power_off(instance)
        elif action == 'reap':
            LOG.warning('Destroying the guest of deleted instance %s', uuid)
            manager.driver.destroy(context, instance, [])
