"""The Compute API's server status from (vm_state, task_state), and back
(for status filters), as Nova showed them."""

from nimbus.compute import task_states as ts
from nimbus.compute import vm_states as vs

_RESIZE = {ts.RESIZE_PREP: 'RESIZE', ts.RESIZE_MIGRATING: 'RESIZE',
           ts.RESIZE_MIGRATED: 'RESIZE', ts.RESIZE_FINISH: 'RESIZE'}
_REBUILD = {ts.REBUILDING: 'REBUILD', ts.REBUILD_BLOCK_DEVICE_MAPPING:
            'REBUILD', ts.REBUILD_SPAWNING: 'REBUILD'}

STATUS_MAP = {
    vs.ACTIVE: dict({
        'default': 'ACTIVE',
        ts.REBOOTING: 'REBOOT', ts.REBOOT_PENDING: 'REBOOT',
        ts.REBOOT_STARTED: 'REBOOT',
        ts.REBOOTING_HARD: 'HARD_REBOOT',
        ts.REBOOT_PENDING_HARD: 'HARD_REBOOT',
        ts.REBOOT_STARTED_HARD: 'HARD_REBOOT',
    }, **_RESIZE, **_REBUILD),
    vs.BUILDING: {'default': 'BUILD'},
    vs.STOPPED: dict({'default': 'SHUTOFF'}, **_RESIZE, **_REBUILD),
    vs.RESIZED: {'default': 'VERIFY_RESIZE',
                 ts.RESIZE_REVERTING: 'REVERT_RESIZE'},
    vs.PAUSED: {'default': 'PAUSED'},
    vs.SUSPENDED: {'default': 'SUSPENDED'},
    vs.RESCUED: {'default': 'RESCUE'},
    vs.ERROR: dict({'default': 'ERROR'}, **_REBUILD),
    vs.DELETED: {'default': 'DELETED'},
    vs.SOFT_DELETED: {'default': 'SOFT_DELETED'},
}


def status_from_state(vm_state, task_state=None):
    """'ACTIVE', 'BUILD', 'REBOOT', ... ('UNKNOWN' for unknown states)."""
    mapping = STATUS_MAP.get(vm_state)
    if mapping is None:
        return 'UNKNOWN'
    return mapping.get(task_state, mapping['default'])


def states_from_status(status):
    """(vm_states, task_states) showing as ``status``; task_states None
    means any task state.  An unknown status gives ([], None)."""
    status = status.upper()
    vm_states, task_states, any_task = [], set(), False
    for vm_state, mapping in STATUS_MAP.items():
        for task_state, shown in mapping.items():
            if shown != status:
                continue
            if vm_state not in vm_states:
                vm_states.append(vm_state)
            if task_state == 'default':
                any_task = True
            else:
                task_states.add(task_state)
    if any_task or not vm_states:
        return vm_states, None
    return vm_states, sorted(task_states)
