"""The instance state machine: which action may start from which
vm_state/task_state, and the task_state it takes while it runs.

Every action of compute.api goes through ``begin``: check the table
(changes nothing, raises InstanceInvalidState naming the state), then one
compare-and-swap save that sets the action's task state only if nobody
else changed it meanwhile -- the task state is the instance's lock, as in
Ironic's provision-state machine.  The compute manager clears it when the
work is done.
"""

import collections

from nimbus.compute import task_states
from nimbus.compute import vm_states
from nimbus import exception

ANY = object()

Transition = collections.namedtuple(
    'Transition', ['vm_states', 'task_states', 'next_task_state',
                   'needs_host'])

_IDLE = (None,)
_ALL_VM = ANY
_HARD_REBOOT_FROM_TASKS = ((None,) + task_states.SOFT_REBOOT_STATES +
                           task_states.HARD_REBOOT_STATES)

#: action -> Transition.  ``next_task_state`` None keeps it unchanged.
TABLE = {
    'reboot_soft': Transition(vm_states.ALLOW_SOFT_REBOOT, _IDLE,
                              task_states.REBOOTING, True),
    'reboot_hard': Transition(vm_states.ALLOW_HARD_REBOOT,
                              _HARD_REBOOT_FROM_TASKS,
                              task_states.REBOOTING_HARD, True),
    'stop': Transition((vm_states.ACTIVE, vm_states.RESCUED,
                        vm_states.ERROR), _IDLE,
                       task_states.POWERING_OFF, True),
    'start': Transition((vm_states.STOPPED,), _IDLE,
                        task_states.POWERING_ON, True),
    'pause': Transition((vm_states.ACTIVE,), _IDLE, task_states.PAUSING,
                        True),
    'unpause': Transition((vm_states.PAUSED,), _IDLE,
                          task_states.UNPAUSING, True),
    'suspend': Transition((vm_states.ACTIVE,), _IDLE,
                          task_states.SUSPENDING, True),
    'resume': Transition((vm_states.SUSPENDED,), _IDLE,
                         task_states.RESUMING, True),
    'rebuild': Transition((vm_states.ACTIVE, vm_states.STOPPED,
                           vm_states.ERROR), _IDLE,
                          task_states.REBUILDING, True),
    'resize': Transition((vm_states.ACTIVE, vm_states.STOPPED), _IDLE,
                         task_states.RESIZE_PREP, True),
    'confirm_resize': Transition((vm_states.RESIZED,), _IDLE,
                                 task_states.RESIZE_CONFIRMING, True),
    'revert_resize': Transition((vm_states.RESIZED,), _IDLE,
                                task_states.RESIZE_REVERTING, True),
    'snapshot': Transition((vm_states.ACTIVE, vm_states.STOPPED,
                            vm_states.PAUSED, vm_states.SUSPENDED), _IDLE,
                           task_states.IMAGE_SNAPSHOT, True),
    'rescue': Transition((vm_states.ACTIVE, vm_states.STOPPED,
                          vm_states.ERROR), _IDLE, task_states.RESCUING,
                         True),
    'unrescue': Transition((vm_states.RESCUED,), _IDLE,
                           task_states.UNRESCUING, True),
    # An NMI: the guest decides what follows; states stay as they are.
    'trigger_crash_dump': Transition(
        (vm_states.ACTIVE, vm_states.PAUSED, vm_states.RESCUED,
         vm_states.RESIZED, vm_states.ERROR), _IDLE, None, True),
    'get_console_output': Transition(
        (vm_states.ACTIVE, vm_states.PAUSED, vm_states.SUSPENDED,
         vm_states.STOPPED, vm_states.RESCUED, vm_states.RESIZED,
         vm_states.ERROR), ANY, None, True),
    'update_metadata': Transition(
        (vm_states.ACTIVE, vm_states.PAUSED, vm_states.SUSPENDED,
         vm_states.STOPPED, vm_states.BUILDING, vm_states.ERROR,
         vm_states.RESIZED), ANY, None, False),
    # Delete may interrupt any task, as in Nova; a second delete while
    # one runs is refused only by the compare-and-swap on DELETING.
    'delete': Transition(_ALL_VM, ANY, task_states.DELETING, False),
    'soft_delete': Transition(
        (vm_states.ACTIVE, vm_states.STOPPED, vm_states.PAUSED,
         vm_states.SUSPENDED, vm_states.ERROR, vm_states.RESIZED,
         vm_states.RESCUED, vm_states.BUILDING), ANY,
        task_states.SOFT_DELETING, False),
    'force_delete': Transition(_ALL_VM, ANY, task_states.DELETING, False),
    'restore': Transition((vm_states.SOFT_DELETED,), _IDLE,
                          task_states.RESTORING, False),
}


def check(instance, action):
    """Raise InstanceInvalidState (409) if ``action`` may not start now.

    Changes nothing: the precondition step of check -> lock -> execute.
    """
    rule = TABLE[action]
    if (rule.vm_states is not ANY and
            instance.vm_state not in rule.vm_states):
        raise exception.InstanceInvalidState(
            method=action, instance_uuid=instance.uuid, attr='vm_state',
            state=instance.vm_state)
    if (rule.task_states is not ANY and
            instance.task_state not in rule.task_states):
        raise exception.InstanceInvalidState(
            method=action, instance_uuid=instance.uuid, attr='task_state',
            state=instance.task_state)
    if rule.needs_host and not instance.host:
        raise exception.InstanceNotReady(instance_id=instance.uuid)
    return rule


def begin(instance, action, **changes):
    """Check, then take the instance: set the action's task state (and
    ``changes``) in one compare-and-swap save.  A concurrent action that
    won the race makes this raise UnexpectedTaskStateError (409) and
    nothing changes.  The vm_state checked is part of the swap too: an
    action checked on a stale copy (the instance stopped meanwhile) raises
    InstanceInvalidState."""
    rule = check(instance, action)
    expected = (instance.task_state if rule.task_states is ANY
                else list(rule.task_states))
    expected_vm = (None if rule.vm_states is ANY
                   else [instance.vm_state])
    if rule.next_task_state is not None:
        instance.task_state = rule.next_task_state
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.save(expected_task_state=expected, expected_vm_state=expected_vm)
    return rule


def allowed_actions(instance):
    """The actions the table allows now (for documentation and tests)."""
    result = []
    for action in sorted(TABLE):
        try:
            rule = TABLE[action]
            if (rule.vm_states is not ANY and
                    instance.vm_state not in rule.vm_states):
                continue
            if (rule.task_states is not ANY and
                    instance.task_state not in rule.task_states):
                continue
        except AttributeError:
            continue
        result.append(action)
    return result
