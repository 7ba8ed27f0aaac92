"""Resize, as Nova does it, on one host or two:

    conductor -> dest.prep_resize (claim the new flavor)
              -> source.resize_instance (power off, hand the disks over)
              -> dest.finish_resize (guest with the new flavor; RESIZED)
    confirm   -> source.confirm_resize (drop the old guest/disks; ACTIVE)
    revert    -> dest.revert_resize (drop the new guest)
              -> source.finish_revert_resize (old flavor back; ACTIVE)

The instance carries both flavors in system_metadata ('old_' and 'new_'
prefixes) until the resize is confirmed or reverted.
"""

import json

from oslo_log import log as logging

from nimbus.compute import lifecycle
from nimbus.compute import task_states
from nimbus.compute import utils
from nimbus.compute import vm_states

LOG = logging.getLogger(__name__)


def _apply_flavor(instance, flavor):
    instance.set_flavor(flavor)
    instance.instance_type_id = flavor.id
    instance.memory_mb = flavor.memory_mb
    instance.vcpus = flavor.vcpus
    instance.root_gb = flavor.root_gb
    instance.ephemeral_gb = flavor.ephemeral_gb


def _set_migration(migration, status):
    migration.status = status
    migration.save()


@lifecycle.instance_workflow('prep_resize')
def prep_resize(manager, context, instance, node, migration,
                filter_properties):
    new_flavor = instance.get_flavor('new_')
    node = node or manager.driver.get_available_nodes()[0]
    try:
        manager.resource_tracker.resize_claim(
            context, migration, new_flavor, node,
            (filter_properties or {}).get('limits'))
    except Exception:
        _set_migration(migration, 'error')
        raise
    migration.dest_node = node
    _set_migration(migration, 'pre-migrating')
    manager.compute_rpcapi.resize_instance(context, instance, migration)


@lifecycle.instance_workflow('resize_instance')
def resize_instance(manager, context, instance, migration):
    """On the source: power off and hand the disks over."""
    instance.task_state = task_states.RESIZE_MIGRATING
    instance.save(expected_task_state=[task_states.RESIZE_PREP])
    _set_migration(migration, 'migrating')
    try:
        disk_info = manager.driver.migrate_disk_and_power_off(
            context, instance, migration.dest_compute,
            instance.get_flavor('new_'), lifecycle._network_info(instance))
    except Exception:
        _set_migration(migration, 'error')
        manager.resource_tracker.drop('migration-%s' % migration.id)
        raise
    instance.task_state = task_states.RESIZE_MIGRATED
    instance.save(expected_task_state=[task_states.RESIZE_MIGRATING])
    _set_migration(migration, 'post-migrating')
    manager.compute_rpcapi.finish_resize(context, instance, migration,
                                         disk_info)


@lifecycle.instance_workflow('finish_resize')
def finish_resize(manager, context, instance, migration, disk_info):
    """On the destination: the guest with the new flavor; RESIZED."""
    was_stopped = instance.vm_state == vm_states.STOPPED
    _apply_flavor(instance, instance.get_flavor('new_'))
    instance.host = migration.dest_compute
    instance.node = migration.dest_node
    instance.task_state = task_states.RESIZE_FINISH
    instance.save(expected_task_state=[task_states.RESIZE_MIGRATED])
    manager.driver.finish_migration(
        context, migration, instance,
        json.loads(disk_info) if isinstance(disk_info, str) else disk_info,
        lifecycle._network_info(instance), None,
        resize_instance=True, power_on=not was_stopped)
    instance.system_metadata = dict(instance.system_metadata,
                                    old_vm_state=(vm_states.STOPPED
                                                  if was_stopped
                                                  else vm_states.ACTIVE))
    instance.power_state = utils.get_power_state(manager.driver, instance)
    instance.vm_state = vm_states.RESIZED
    instance.task_state = None
    _set_migration(migration, 'finished')
    instance.save(expected_task_state=[task_states.RESIZE_FINISH])
    # The instance row now counts the new flavor here.
    manager.resource_tracker.drop('migration-%s' % migration.id)
    manager.resource_tracker.update_available_resource(context,
                                                       instance.node)


def _old_vm_state(instance):
    return instance.system_metadata.get('old_vm_state', vm_states.ACTIVE)


def _forget_resize(instance):
    meta = dict(instance.system_metadata)
    meta.pop('old_vm_state', None)
    instance.system_metadata = meta
    instance.delete_flavor('old_')
    instance.delete_flavor('new_')


@lifecycle.instance_workflow('confirm_resize')
def confirm_resize(manager, context, instance, migration):
    """On the source: drop what was kept for a revert."""
    network_info = lifecycle._network_info(instance)
    manager.driver.confirm_migration(context, migration, instance,
                                     network_info)
    if migration.source_compute != migration.dest_compute:
        # The old guest lived here; the instance now lives elsewhere.
        manager.driver.destroy(context, instance, network_info,
                               destroy_disks=True)
    vm_state = _old_vm_state(instance)
    _forget_resize(instance)
    instance.vm_state = vm_state
    instance.task_state = None
    _set_migration(migration, 'confirmed')
    instance.save(expected_task_state=[task_states.RESIZE_CONFIRMING])
    for nodename in manager.driver.get_available_nodes():
        manager.resource_tracker.update_available_resource(context,
                                                           nodename)


@lifecycle.instance_workflow('revert_resize')
def revert_resize(manager, context, instance, migration):
    """On the destination: drop the new guest (another host), then let
    the source bring the old one back."""
    if migration.source_compute != migration.dest_compute:
        manager.driver.destroy(context, instance,
                               lifecycle._network_info(instance))
    manager.compute_rpcapi.finish_revert_resize(
        context, instance, migration, migration.source_compute)


@lifecycle.instance_workflow('finish_revert_resize')
def finish_revert_resize(manager, context, instance, migration):
    old_flavor = instance.get_flavor('old_')
    power_on = _old_vm_state(instance) != vm_states.STOPPED
    if old_flavor is not None:
        _apply_flavor(instance, old_flavor)
    instance.host = migration.source_compute
    instance.node = migration.source_node
    manager.driver.finish_revert_migration(
        context, instance, lifecycle._network_info(instance),
        power_on=power_on)
    vm_state = vm_states.ACTIVE if power_on else vm_states.STOPPED
    _forget_resize(instance)
    instance.power_state = utils.get_power_state(manager.driver, instance)
    instance.vm_state = vm_state
    instance.task_state = None
    _set_migration(migration, 'reverted')
    instance.save(expected_task_state=[task_states.RESIZE_REVERTING])
    for nodename in manager.driver.get_available_nodes():
        manager.resource_tracker.update_available_resource(context,
                                                           nodename)
