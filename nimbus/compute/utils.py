"""Helpers shared by the compute workflows: faults, ERROR, power state."""

import sys

from oslo_log import log as logging

from nimbus.compute import power_state
from nimbus.compute import vm_states
from nimbus import exception
from nimbus import objects

LOG = logging.getLogger(__name__)

#: Save failures that mean "the instance was deleted meanwhile".
DELETED_ERRORS = (exception.InstanceNotFound,
                  exception.UnexpectedDeletingTaskStateError)


def add_fault(context, instance, error, host, exc_info=None):
    """Record why ``instance`` failed; never raises."""
    if exc_info is None and sys.exc_info()[0] is not None:
        exc_info = sys.exc_info()
    try:
        objects.InstanceFault.from_exception(
            context, instance.uuid, error, host=host,
            exc_info=exc_info).create()
    except Exception:
        LOG.exception('Could not record a fault for %s', instance.uuid)


def finish_action(context, instance, error=False):
    """Stamp the finish time of the current request's action."""
    try:
        objects.InstanceAction.action_finish(
            context, instance.uuid, message='Error' if error else None)
    except Exception:
        pass


def set_error(context, instance, error, host, exc_info=None, **changes):
    """vm_state ERROR, task_state None, a fault; quiet if the instance was
    deleted meanwhile.  Returns True if the instance was set to ERROR."""
    add_fault(context, instance, error, host, exc_info)
    # Only over the task state we know: a delete that came meanwhile wins.
    expected = [instance.task_state]
    instance.vm_state = vm_states.ERROR
    instance.task_state = None
    for name, value in changes.items():
        setattr(instance, name, value)
    try:
        instance.save(expected_task_state=expected)
    except DELETED_ERRORS + (exception.UnexpectedTaskStateError,):
        return False
    finish_action(context, instance, error=True)
    return True


def get_power_state(driver, instance):
    try:
        return driver.get_info(instance).state
    except exception.InstanceNotFound:
        return power_state.NOSTATE


def vm_state_for_power(state):
    """The stable vm_state a guest in power ``state`` has after an
    action ended."""
    if state == power_state.RUNNING:
        return vm_states.ACTIVE
    if state == power_state.PAUSED:
        return vm_states.PAUSED
    if state == power_state.SUSPENDED:
        return vm_states.SUSPENDED
    return vm_states.STOPPED
