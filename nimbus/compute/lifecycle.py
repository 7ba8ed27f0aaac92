"""Delete, power and rebuild workflows of nimbus-compute.

Each takes the instance's lock on this host, records an event on the
request's action, drives the hypervisor, then settles the states with a
compare-and-swap on the task state the API set.  A failure leaves the
instance in a state the table allows to act on again (ERROR with a fault,
or back where it was) -- never stuck in a task state.
"""

import functools
import sys
import threading

from oslo_log import log as logging
from oslo_utils import timeutils

from nimbus.compute import power_state
from nimbus.compute import security
from nimbus.compute import task_states
from nimbus.compute import utils
from nimbus.compute import vm_states
from nimbus.conf import CONF
from nimbus import exception
from nimbus.objects import instance_action

LOG = logging.getLogger(__name__)


# The EventReporter of the workflow this thread runs, for _settle.
_CURRENT = threading.local()


def instance_workflow(event):
    """Lock the instance, record ``compute_<event>``, and turn a failure
    into ERROR with a fault (or nothing when it was deleted).  The
    workflow's last save (``_settle``) records the event and finishes
    the action in its own transaction."""
    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(manager, context, instance, *args, **kwargs):
            with manager.instance_lock(instance.uuid):
                try:
                    with instance_action.EventReporter(
                            context, 'compute_%s' % event, manager.host,
                            instance.uuid) as reporter:
                        _CURRENT.reporter = reporter
                        try:
                            result = fn(manager, context, instance, *args,
                                        **kwargs)
                        finally:
                            _CURRENT.reporter = None
                except utils.DELETED_ERRORS:
                    LOG.info('Instance %s was deleted during %s',
                             instance.uuid, event)
                    return None
                except exception.UnexpectedTaskStateError as error:
                    LOG.warning('%s of %s abandoned: %s', event,
                                instance.uuid, error)
                    return None
                except Exception as error:
                    LOG.exception('%s of %s failed', event, instance.uuid)
                    utils.set_error(context, instance, error, manager.host,
                                    sys.exc_info(),
                                    power_state=utils.get_power_state(
                                        manager.driver, instance))
                    return None
                if not reporter.ended_by_write:
                    utils.finish_action(context, instance)
                return result
        return wrapper
    return decorator


def _network_info(instance):
    cache = instance.info_cache
    return list(cache.network_info or []) if cache is not None else []


def _settle(manager, instance, vm_state, expected_task_states):
    instance.power_state = utils.get_power_state(manager.driver, instance)
    instance.vm_state = vm_state
    instance.task_state = None
    # In a workflow: its event and action end with this save.
    reporter = getattr(_CURRENT, 'reporter', None)
    event = None
    if reporter is not None and reporter.instance_uuids == (instance.uuid,):
        event = reporter.ends_with_write(finish_action=True)
    instance.save(expected_task_state=list(expected_task_states),
                  event=event)
    if event is not None:
        reporter.written()


# Delete ------------------------------------------------------------------

def terminate_instance(manager, context, instance):
    with manager.instance_lock(instance.uuid), \
            instance_action.EventReporter(
                context, 'compute_terminate_instance', manager.host,
                instance.uuid) as reporter:
        try:
            do_terminate(manager, context, instance, reporter)
        except exception.InstanceNotFound:
            pass
        except Exception as error:
            LOG.exception('Deleting %s failed', instance.uuid)
            utils.set_error(context, instance, error, manager.host,
                            sys.exc_info())


def do_terminate(manager, context, instance, reporter=None):
    """Destroy the guest, free the network and the claim, mark the row
    deleted (also used by init_host and the reclaim task).  With the
    request's ``reporter`` (an EventReporter), the action is finished
    with its event."""
    network_info = _network_info(instance)
    manager.driver.destroy(context, instance, network_info)
    security.remove_filter(manager, instance.uuid)
    manager.network_api.deallocate_for_instance(context, instance.uuid,
                                                host=manager.host)
    # Free the claim first: once the row is gone, the usage is too.
    manager.resource_tracker.drop(instance.uuid, context=context)
    instance.power_state = power_state.NOSTATE
    # With its block device mappings, and the request's event and action.
    event = (reporter.ends_with_write(finish_action=True)
             if reporter is not None else None)
    instance.destroy(event=event)
    if event is not None:
        reporter.written()
    if reporter is not None:
        reporter.finish_action()
    else:
        utils.finish_action(context, instance)
    LOG.info('Instance %s deleted from %s', instance.uuid, manager.host)


@instance_workflow('soft_delete_instance')
def soft_delete_instance(manager, context, instance):
    manager.driver.power_off(instance)
    instance.power_state = utils.get_power_state(manager.driver, instance)
    instance.vm_state = vm_states.SOFT_DELETED
    instance.task_state = None
    instance.save(expected_task_state=[task_states.SOFT_DELETING])


@instance_workflow('restore_instance')
def restore_instance(manager, context, instance):
    manager.driver.power_on(context, instance, _network_info(instance))
    _settle(manager, instance, vm_states.ACTIVE, [task_states.RESTORING])


# Power -------------------------------------------------------------------

@instance_workflow('reboot_instance')
def reboot_instance(manager, context, instance, reboot_type):
    if reboot_type == 'HARD':
        pending, started = (task_states.REBOOT_PENDING_HARD,
                            task_states.REBOOT_STARTED_HARD)
        taken = task_states.REBOOTING_HARD
    else:
        pending, started = (task_states.REBOOT_PENDING,
                            task_states.REBOOT_STARTED)
        taken = task_states.REBOOTING
    instance.task_state = pending
    instance.save(expected_task_state=[taken])
    instance.task_state = started
    instance.save(expected_task_state=[pending])
    try:
        manager.driver.reboot(context, instance, _network_info(instance),
                              reboot_type)
    except Exception:
        if reboot_type == 'SOFT':
            # A failed soft reboot leaves the guest as it was: back to a
            # state the user can act on, with a fault saying why.
            utils.add_fault(context, instance, sys.exc_info()[1],
                            manager.host)
            # The action says Error before the states say it is over.
            utils.finish_action(context, instance, error=True)
            _settle(manager, instance,
                    utils.vm_state_for_power(utils.get_power_state(
                        manager.driver, instance)), [started])
            return
        raise
    _settle(manager, instance, vm_states.ACTIVE, [started])


def finish_reboot(manager, context, instance, reboot_type):
    """Reboot again (init_host, reboot timeout): no RPC, no event."""
    manager.driver.reboot(context, instance, _network_info(instance),
                          reboot_type)
    _settle(manager, instance, vm_states.ACTIVE, [instance.task_state])


@instance_workflow('stop_instance')
def stop_instance(manager, context, instance):
    # A clean shutdown first (ACPI), the plug after shutdown_timeout.
    manager.driver.power_off(instance, CONF.shutdown_timeout)
    _settle(manager, instance, vm_states.STOPPED,
            [task_states.POWERING_OFF])


@instance_workflow('start_instance')
def start_instance(manager, context, instance):
    manager.driver.power_on(context, instance, _network_info(instance))
    _settle(manager, instance, vm_states.ACTIVE, [task_states.POWERING_ON])


@instance_workflow('pause_instance')
def pause_instance(manager, context, instance):
    manager.driver.pause(instance)
    _settle(manager, instance, vm_states.PAUSED, [task_states.PAUSING])


@instance_workflow('unpause_instance')
def unpause_instance(manager, context, instance):
    manager.driver.unpause(instance)
    _settle(manager, instance, vm_states.ACTIVE, [task_states.UNPAUSING])


@instance_workflow('suspend_instance')
def suspend_instance(manager, context, instance):
    manager.driver.suspend(context, instance)
    _settle(manager, instance, vm_states.SUSPENDED,
            [task_states.SUSPENDING])


@instance_workflow('resume_instance')
def resume_instance(manager, context, instance):
    manager.driver.resume(context, instance, _network_info(instance))
    _settle(manager, instance, vm_states.ACTIVE, [task_states.RESUMING])


# Rebuild -----------------------------------------------------------------

@instance_workflow('rebuild_instance')
def rebuild_instance(manager, context, instance, image, admin_password):
    """Same host, new image: the driver's rebuild hook, else destroy and
    spawn.  A stopped instance stays stopped."""
    was_stopped = instance.power_state == power_state.SHUTDOWN and \
        instance.vm_state == vm_states.STOPPED
    network_info = _network_info(instance)
    instance.task_state = task_states.REBUILD_SPAWNING
    instance.save(expected_task_state=[task_states.REBUILDING])
    try:
        manager.driver.rebuild(context, instance, image or {}, [],
                               admin_password, network_info=network_info)
    except NotImplementedError:
        manager.driver.destroy(context, instance, network_info)
        manager.driver.spawn(context, instance, image or {}, [],
                             admin_password, network_info=network_info)
    if was_stopped:
        manager.driver.power_off(instance)
    instance.launched_at = timeutils.utcnow()
    instance.progress = 100
    _settle(manager, instance,
            vm_states.STOPPED if was_stopped else vm_states.ACTIVE,
            [task_states.REBUILD_SPAWNING])


# Rescue ------------------------------------------------------------------

@instance_workflow('rescue_instance')
def rescue_instance(manager, context, instance, rescue_password,
                    rescue_image_ref):
    """Boot the guest from a rescue image with its disk attached."""
    image_meta = {'id': rescue_image_ref or instance.image_ref}
    manager.driver.rescue(context, instance, _network_info(instance),
                          image_meta, rescue_password)
    _settle(manager, instance, vm_states.RESCUED, [task_states.RESCUING])


@instance_workflow('unrescue_instance')
def unrescue_instance(manager, context, instance):
    manager.driver.unrescue(instance, _network_info(instance))
    _settle(manager, instance, vm_states.ACTIVE, [task_states.UNRESCUING])
