"""The instance API: power, reboot, lock, rebuild, resize, rescue,
snapshot, console, reset-state.  Mixed into nimbus.compute.api.API."""

from nimbus.compute.api_helpers import _generate_password
from nimbus.compute.api_helpers import _image_properties
from nimbus.compute.api_helpers import check_instance_lock
from nimbus.compute.api_helpers import REBOOT_HARD
from nimbus.compute.api_helpers import REBOOT_SOFT
from nimbus.compute import rpcapi as compute_rpcapi
from nimbus.compute import transitions
from nimbus.compute import vm_states
from nimbus import exception
from nimbus import objects
from nimbus.objects import instance_action as actions


class ActionsMixin:
    # Power and life ------------------------------------------------------

    @check_instance_lock
    def reboot(self, context, instance, reboot_type):
        """'SOFT' (from ACTIVE) or 'HARD' (from any state with a guest,
        also over a stuck soft reboot)."""
        reboot_type = (reboot_type or REBOOT_SOFT).upper()
        if reboot_type not in (REBOOT_SOFT, REBOOT_HARD):
            raise exception.Invalid(reason='reboot type must be SOFT or '
                                           'HARD')
        self._begin_action(context, instance, 'reboot_soft' if reboot_type ==
                           REBOOT_SOFT else 'reboot_hard', actions.REBOOT)
        self.compute_rpcapi.reboot_instance(context, instance, reboot_type)

    def _simple_action(self, context, instance, transition, action,
                       cast_name):
        self._begin_action(context, instance, transition, action)
        getattr(self.compute_rpcapi, cast_name)(context, instance)

    @check_instance_lock
    def stop(self, context, instance):
        """Power off (ACTIVE, RESCUED or ERROR -> SHUTOFF)."""
        self._simple_action(context, instance, 'stop', actions.STOP,
                            'stop_instance')

    @check_instance_lock
    def start(self, context, instance):
        """Power on (SHUTOFF -> ACTIVE)."""
        self._simple_action(context, instance, 'start', actions.START,
                            'start_instance')

    @check_instance_lock
    def pause(self, context, instance):
        self._simple_action(context, instance, 'pause', actions.PAUSE,
                            'pause_instance')

    @check_instance_lock
    def unpause(self, context, instance):
        self._simple_action(context, instance, 'unpause', actions.UNPAUSE,
                            'unpause_instance')

    @check_instance_lock
    def suspend(self, context, instance):
        self._simple_action(context, instance, 'suspend', actions.SUSPEND,
                            'suspend_instance')

    @check_instance_lock
    def resume(self, context, instance):
        self._simple_action(context, instance, 'resume', actions.RESUME,
                            'resume_instance')

    def lock(self, context, instance):
        """Lock: non-admin actions are then refused with 409.  Who locked
        is kept: an admin's lock cannot be undone by the owner."""
        is_owner = instance.project_id == context.project_id
        locked_by = 'owner' if is_owner else 'admin'
        instance.locked = True
        instance.locked_by = locked_by
        instance.save()
        self._record_action(context, instance, actions.LOCK)

    def unlock(self, context, instance):
        """Unlock; the owner cannot undo an admin's lock (InstanceIsLocked,
        409)."""
        if instance.locked_by == 'admin' and not context.is_admin:
            raise exception.InstanceIsLocked(instance_uuid=instance.uuid)
        instance.locked = False
        instance.locked_by = None
        instance.save()
        self._record_action(context, instance, actions.UNLOCK)

    def is_locked(self, instance):
        return bool(instance.locked)

    @check_instance_lock
    def rebuild(self, context, instance, image_href, admin_password=None,
                display_name=None, metadata=None, access_ip_v4=None,
                access_ip_v6=None, preserve_ephemeral=False):
        """Rebuild from ``image_href`` (ACTIVE, SHUTOFF or ERROR ->
        REBUILD -> ACTIVE); optionally rename and replace metadata."""
        flavor = instance.flavor
        image = self._check_image(context, image_href, flavor)
        if metadata is not None:
            self._check_metadata(context, metadata)
        changes = {'image_ref': image_href}
        props = _image_properties(image)
        changes['kernel_id'] = props.get('kernel_id')
        changes['ramdisk_id'] = props.get('ramdisk_id')
        if display_name is not None:
            changes['display_name'] = display_name
        if access_ip_v4 is not None:
            changes['access_ip_v4'] = access_ip_v4
        if access_ip_v6 is not None:
            changes['access_ip_v6'] = access_ip_v6
        if metadata is not None:
            changes['metadata'] = dict(metadata)
        orig_image_ref = instance.image_ref
        sysmeta = dict(instance.system_metadata)
        sysmeta = {k: v for k, v in sysmeta.items()
                   if not k.startswith('image_')}
        sysmeta.update(self._image_system_metadata(image))
        changes['system_metadata'] = sysmeta
        changes['progress'] = 0
        self._begin_action(context, instance, 'rebuild', actions.REBUILD,
                           **changes)
        self.compute_rpcapi.rebuild_instance(
            context, instance, new_image_ref=image_href, image=image,
            orig_image_ref=orig_image_ref, admin_password=admin_password,
            preserve_ephemeral=preserve_ephemeral)

    # Resize --------------------------------------------------------------

    @check_instance_lock
    def resize(self, context, instance, flavor_id=None):
        """Resize to the flavor ``flavor_id`` (RESIZE -> VERIFY_RESIZE).

        The conductor picks the destination; the current host qualifies
        only with allow_resize_to_same_host.  Raises ResizeToSameFlavor,
        CannotResizeDisk (400), OverQuota (403) for the extra cores/ram.
        """
        transitions.check(instance, 'resize')
        if flavor_id is None:
            raise exception.Invalid(reason='a flavor is required')
        new_flavor = self._get_flavor(context, flavor_id)
        current = instance.flavor
        if current is not None and str(current.flavorid) == \
                str(new_flavor.flavorid):
            raise exception.ResizeToSameFlavor()
        if (new_flavor.root_gb or 0) < (instance.root_gb or 0):
            raise exception.CannotResizeDisk(
                reason='the new flavor has a smaller root disk')
        deltas = {'cores': max(new_flavor.vcpus - (instance.vcpus or 0), 0),
                  'ram': max(new_flavor.memory_mb -
                             (instance.memory_mb or 0), 0)}

        def take(txn_context):
            instance._context = txn_context
            try:
                instance.set_flavor(new_flavor, prefix='new_')
                if current is not None:
                    instance.set_flavor(current, prefix='old_')
                transitions.begin(instance, 'resize')
            finally:
                instance._context = context
            return instance

        if any(deltas.values()):
            self._quotas().check_deltas_and_run(
                context, context.project_id, context.user_id, deltas, take)
        else:
            take(context)
        self._record_action(context, instance, actions.RESIZE)
        request_spec = self._request_spec(context, [instance], new_flavor,
                                          {'id': instance.image_ref},
                                          instance.availability_zone, None)
        self.compute_task_api.resize_instance(
            context, instance, flavor=new_flavor.flavorid,
            request_spec=request_spec)

    def _resize_migration(self, context, instance):
        return objects.Migration.get_by_instance_and_status(
            context.elevated(), instance.uuid, 'finished')

    @check_instance_lock
    def confirm_resize(self, context, instance):
        """Keep the new flavor (VERIFY_RESIZE -> ACTIVE or SHUTOFF)."""
        transitions.check(instance, 'confirm_resize')
        migration = self._resize_migration(context, instance)
        transitions.begin(instance, 'confirm_resize')
        migration.status = 'confirming'
        migration.save()
        self._record_action(context, instance, actions.CONFIRM_RESIZE)
        self.compute_rpcapi.confirm_resize(context, instance, migration,
                                           migration.source_compute)

    @check_instance_lock
    def revert_resize(self, context, instance):
        """Go back to the old flavor (VERIFY_RESIZE -> REVERT_RESIZE ->
        ACTIVE or SHUTOFF)."""
        transitions.check(instance, 'revert_resize')
        migration = self._resize_migration(context, instance)
        transitions.begin(instance, 'revert_resize')
        migration.status = 'reverting'
        migration.save()
        self._record_action(context, instance, actions.REVERT_RESIZE)
        self.compute_rpcapi.revert_resize(context, instance, migration,
                                          migration.dest_compute)

    # Rescue ---------------------------------------------------------------

    @check_instance_lock
    def rescue(self, context, instance, rescue_password=None,
               rescue_image_ref=None):
        """Boot from a rescue image (ACTIVE, SHUTOFF or ERROR -> RESCUE);
        returns the rescue password (generated when not given)."""
        if rescue_image_ref:
            self._check_image(context, rescue_image_ref, instance.flavor)
        password = rescue_password or _generate_password()
        self._begin_action(context, instance, 'rescue', actions.RESCUE)
        self.compute_rpcapi.rescue_instance(
            context, instance, rescue_password=password,
            rescue_image_ref=rescue_image_ref)
        return password

    @check_instance_lock
    def unrescue(self, context, instance):
        """RESCUE -> ACTIVE, booted from its own disk again."""
        self._begin_action(context, instance, 'unrescue', actions.UNRESCUE)
        self.compute_rpcapi.unrescue_instance(context, instance)

    # Snapshot and console ------------------------------------------------

    @check_instance_lock
    def snapshot(self, context, instance, name, extra_properties=None):
        """Snapshot the instance into a new image named ``name``; returns
        the image dict (status queued; active once uploaded)."""
        transitions.check(instance, 'snapshot')
        properties = {'instance_uuid': instance.uuid,
                      'image_type': 'snapshot',
                      'user_id': context.user_id}
        if instance.image_ref:
            properties['base_image_ref'] = instance.image_ref
        for key, value in instance.system_metadata.items():
            if key.startswith('image_') and key not in (
                    'image_base_image_ref', 'image_min_ram',
                    'image_min_disk', 'image_disk_format',
                    'image_container_format'):
                properties.setdefault(key[len('image_'):], value)
        properties.update(extra_properties or {})
        flavor = instance.flavor
        image_meta = {
            'name': name, 'properties': properties,
            'min_ram': int(instance.system_metadata.get('image_min_ram',
                                                        0) or 0),
            'min_disk': (flavor.root_gb if flavor else 0) or 0,
        }
        image_api = self._image_api()
        image = image_api.create(context, image_meta)
        try:
            transitions.begin(instance, 'snapshot')
        except Exception:
            image_api.delete(context, image['id'])
            raise
        self._record_action(context, instance, actions.CREATE_IMAGE)
        self.compute_rpcapi.snapshot_instance(context, instance,
                                              image['id'])
        return image

    def get_console_output(self, context, instance, tail_length=None):
        """The last ``tail_length`` lines (all when None) of the guest's
        console log (a call to the compute host)."""
        transitions.check(instance, 'get_console_output')
        return self.compute_rpcapi.get_console_output(
            context, instance, tail_length)

    @check_instance_lock
    def trigger_crash_dump(self, context, instance):
        """An NMI to the guest (microversion 2.17): the guest kernel
        dumps and reboots where kdump is set up, logs it otherwise.
        Neither state changes; a failure on the host leaves a fault."""
        # Hosts pinned below it would drop the cast: refused first.
        self.compute_rpcapi.check_version(
            compute_rpcapi.TRIGGER_CRASH_DUMP_VERSION)
        self._begin_action(context, instance, 'trigger_crash_dump',
                           actions.TRIGGER_CRASH_DUMP)
        self.compute_rpcapi.trigger_crash_dump(context, instance)

    # Admin ---------------------------------------------------------------

    def reset_state(self, context, instance, state='error'):
        """os-resetState: vm_state 'error' or 'active', task_state None.
        Admins only (the REST layer checks the policy)."""
        state = (state or 'error').lower()
        if state not in (vm_states.ERROR, vm_states.ACTIVE):
            raise exception.Invalid(reason='state must be error or active')
        instance.vm_state = state
        instance.task_state = None
        instance.save()
        self._record_action(context, instance, actions.RESET_STATE)
