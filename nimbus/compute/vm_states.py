"""Stable states of an instance (``instances.vm_state``), as in Nova.

A vm_state says what the instance is when no task runs on it; the
transient work in progress is its task_state (task_states.py).
"""

ACTIVE = 'active'          # running, or ready to run
BUILDING = 'building'      # not yet spawned
PAUSED = 'paused'          # in memory, CPUs stopped
SUSPENDED = 'suspended'    # memory saved to disk, not running
STOPPED = 'stopped'        # powered off, disks kept
RESCUED = 'rescued'        # booted from a rescue image
RESIZED = 'resized'        # a resize waits for confirm or revert
SOFT_DELETED = 'soft-delete'  # deleted, reclaimable until reclaim runs
DELETED = 'deleted'        # gone
ERROR = 'error'            # something failed; only delete or reset

# From these the instance can be (re)started by a reboot.
ALLOW_HARD_REBOOT = (ACTIVE, STOPPED, PAUSED, SUSPENDED, RESCUED, ERROR)
ALLOW_SOFT_REBOOT = (ACTIVE,)
