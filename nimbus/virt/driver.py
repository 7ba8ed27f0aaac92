"""The interface between nimbus-compute and a hypervisor.

Drivers never import the database: everything they need comes in as
arguments (instance objects, network info, image metadata), and what they
report goes back through the compute manager.

An ``instance`` argument is a ``nimbus.objects.Instance``; drivers read its
fields (uuid, name, memory_mb, vcpus, root_gb, ephemeral_gb, image_ref,
kernel_id, ramdisk_id, user_data, key_data) and never save it.
"""

import collections
import importlib

from oslo_log import log as logging

from nimbus import exception

LOG = logging.getLogger(__name__)

#: What get_info answers: the guest's power state (nimbus.compute.
#: power_state) and, where known, its resources.
InstanceInfo = collections.namedtuple(
    'InstanceInfo', ['state', 'max_mem_kb', 'mem_kb', 'num_cpu',
                     'cpu_time_ns'])
InstanceInfo.__new__.__defaults__ = (0, 0, 0, 0)


class ComputeDriver:
    """Base class of virt drivers.

    ``capabilities`` says which optional operations a driver supports, so
    the manager can refuse cleanly before changing anything.
    """

    capabilities = {
        'has_imagecache': False,
        'supports_recreate': False,
        'supports_pause': False,
        'supports_suspend': False,
        'supports_rescue': False,
        'supports_resize': False,
        'supports_snapshot': False,
        'supports_console_output': False,
    }

    _event_listener = None

    # The host ---------------------------------------------------------------

    def register_event_listener(self, callback):
        """``callback(instance_uuid)`` is called when the hypervisor
        says a guest changed its power state (drivers with events)."""
        self._event_listener = callback

    def emit_event(self, instance_uuid):
        if self._event_listener is not None:
            self._event_listener(instance_uuid)

    def init_host(self, host):
        """Connect to the hypervisor on ``host``; raise if it is unusable."""
        raise NotImplementedError()

    def cleanup_host(self, host):
        """Release what init_host took."""

    def get_available_nodes(self, refresh=False):
        """Names of the hypervisor nodes this driver manages."""
        raise NotImplementedError()

    def get_available_resource(self, nodename):
        """Resources of ``nodename`` as a dict with the compute_nodes
        columns: vcpus, memory_mb, local_gb, *_used, hypervisor_type,
        hypervisor_version, hypervisor_hostname, cpu_info,
        disk_available_least."""
        raise NotImplementedError()

    def list_instances(self):
        """Names of the guests defined on this host."""
        raise NotImplementedError()

    def list_instance_uuids(self):
        """Uuids of the guests defined on this host."""
        raise NotImplementedError()

    def instance_exists(self, instance):
        return instance.uuid in self.list_instance_uuids()

    def get_info(self, instance):
        """InstanceInfo of the guest; raises InstanceNotFound if the
        hypervisor does not know it."""
        raise NotImplementedError()

    # Lifecycle --------------------------------------------------------------

    def spawn(self, context, instance, image_meta, injected_files,
              admin_password, network_info=None, block_device_info=None):
        """Create and start the guest.  ``image_meta`` is the image
        service's dict of the image; ``network_info`` the VIF list."""
        raise NotImplementedError()

    def destroy(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True):
        """Stop and undefine the guest; a guest already gone is no error."""
        raise NotImplementedError()

    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None):
        """Reboot the guest: 'SOFT' asks the guest OS, 'HARD' resets (and
        starts a guest that was off)."""
        raise NotImplementedError()

    def power_off(self, instance, timeout=0, retry_interval=0):
        """Shut the guest down (cleanly within ``timeout`` if non-zero)."""
        raise NotImplementedError()

    def power_on(self, context, instance, network_info,
                 block_device_info=None):
        raise NotImplementedError()

    def pause(self, instance):
        raise NotImplementedError()

    def trigger_crash_dump(self, instance):
        """Inject an NMI into the running (or paused) guest; raise
        InstanceNotRunning if it is off, TriggerCrashDumpNotSupported if
        the hypervisor cannot."""
        raise exception.TriggerCrashDumpNotSupported()

    def unpause(self, instance):
        raise NotImplementedError()

    def suspend(self, context, instance):
        """Save the guest's memory to disk and stop it."""
        raise NotImplementedError()

    def resume(self, context, instance, network_info,
               block_device_info=None):
        raise NotImplementedError()

    def rebuild(self, context, instance, image_meta, injected_files,
                admin_password, network_info=None, block_device_info=None):
        """Rebuild hook: drivers that can rebuild in place do it here.
        The default raises NotImplementedError and the manager destroys
        and spawns again."""
        raise NotImplementedError()

    def rescue(self, context, instance, network_info, image_meta,
               rescue_password):
        """Boot the guest from ``image_meta`` with its own disk attached
        as a second disk (capability supports_rescue)."""
        raise NotImplementedError()

    def unrescue(self, instance, network_info):
        """Boot the guest from its own disk again."""
        raise NotImplementedError()

    # Resize -----------------------------------------------------------------

    def migrate_disk_and_power_off(self, context, instance, dest, flavor,
                                   network_info, block_device_info=None):
        """First half of a resize: stop the guest, move or copy its disks
        toward ``dest`` for ``flavor``; returns disk info for
        finish_migration."""
        raise NotImplementedError()

    def finish_migration(self, context, migration, instance, disk_info,
                         network_info, image_meta, resize_instance,
                         block_device_info=None, power_on=True):
        """Second half: define the guest with the new flavor (the
        instance's fields already hold it) and start it if ``power_on``."""
        raise NotImplementedError()

    def confirm_migration(self, context, migration, instance, network_info):
        """Drop what was kept to revert (the old disks)."""
        raise NotImplementedError()

    def finish_revert_migration(self, context, instance, network_info,
                                block_device_info=None, power_on=True):
        """Bring the guest back as it was before the resize."""
        raise NotImplementedError()

    # Images and consoles ----------------------------------------------------

    def manage_image_cache(self, context, all_instances):
        """Remove cached images nothing uses any more (drivers with
        capability has_imagecache)."""

    def snapshot(self, context, instance, image_id, update_task_state):
        """Capture the guest's root disk.

        Calls ``update_task_state(task_state, expected_state)`` as it goes
        (image_pending_upload, then image_uploading) and returns a dict
        with ``disk_format``, ``container_format`` and ``data`` (an
        iterable of bytes) that the manager uploads to the image service.
        """
        raise NotImplementedError()

    def get_console_output(self, context, instance):
        """The guest's serial console log, as text."""
        raise NotImplementedError()


def load_compute_driver(name):
    """Load ``module.Class`` relative to nimbus.virt (or a full path)."""
    path = name if name.startswith('nimbus.') else 'nimbus.virt.' + name
    module_name, _, class_name = path.rpartition('.')
    try:
        module = importlib.import_module(module_name)
        driver_class = getattr(module, class_name)
    except (ImportError, AttributeError) as exc:
        raise ValueError('Cannot load compute_driver %r: %s' % (name, exc))
    LOG.info('Loading compute driver %s', path)
    return driver_class()
