"""A hypervisor that lives in memory, for tests and scale benchmarks.

Guests are kept per host in a process-wide table, so a compute service
restarted in the same process finds the guests it had (as a real
hypervisor keeps its domains across a nimbus-compute restart).

Tests steer it through a driver instance:

* ``inject_failure('spawn', error=None, times=1)`` makes the next
  ``times`` calls of an operation raise (default: InstanceDriverError);
* ``set_delay('spawn', seconds)`` makes an operation take that long;
* ``set_power_state(uuid, state)`` changes a guest behind nimbus's back
  (the guest shut itself down, crashed...);
* ``FakeDriver.reset_all()`` forgets every host's guests.
"""

import json
import socket
import threading
import time

from nimbus.compute import power_state
from nimbus import exception
from nimbus.virt import driver

# host -> {uuid: FakeGuest}; shared by every FakeDriver of the process.
_HOSTS = {}
_HOSTS_LOCK = threading.Lock()


class FakeGuest:
    def __init__(self, instance, state=power_state.RUNNING):
        self.uuid = instance.uuid
        self.name = instance.name
        self.state = state
        self.memory_mb = instance.memory_mb or 0
        self.vcpus = instance.vcpus or 0
        self.root_gb = instance.root_gb or 0
        self.image_ref = instance.image_ref
        self.console = ['Booting %s' % self.name]
        self.resize_backup = None
        self.rescued = False

    def log(self, line):
        self.console.append(line)


class FakeDriver(driver.ComputeDriver):
    """Guests are entries in a dict; every operation changes their state
    as the real hypervisor would."""

    capabilities = dict(driver.ComputeDriver.capabilities,
                        supports_pause=True, supports_suspend=True,
                        supports_rescue=True, supports_resize=True,
                        supports_snapshot=True,
                        supports_console_output=True)

    vcpus = 16
    memory_mb = 32768
    local_gb = 1024

    def __init__(self):
        self.host = None
        self.instances = {}
        self._failures = {}
        self._delays = {}
        self._lock = threading.Lock()
        self.calls = []

    @classmethod
    def reset_all(cls):
        with _HOSTS_LOCK:
            _HOSTS.clear()

    # Test controls ----------------------------------------------------------

    def inject_failure(self, operation, error=None, times=1):
        self._failures[operation] = [error, times]

    def set_delay(self, operation, seconds):
        self._delays[operation] = seconds

    def set_power_state(self, instance_uuid, state):
        self.instances[instance_uuid].state = state

    def _operation(self, name, instance=None):
        self.calls.append((name, getattr(instance, 'uuid', None)))
        delay = self._delays.get(name)
        if delay:
            time.sleep(delay)
        failure = self._failures.get(name)
        if failure and failure[1] > 0:
            failure[1] -= 1
            error = failure[0] or exception.InstanceDriverError(
                instance_uuid=getattr(instance, 'uuid', None),
                reason='injected %s failure' % name)
            raise error

    def _guest(self, instance):
        guest = self.instances.get(instance.uuid)
        if guest is None:
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        return guest

    # The host ---------------------------------------------------------------

    def init_host(self, host):
        self.host = host
        with _HOSTS_LOCK:
            self.instances = _HOSTS.setdefault(host, {})

    def get_available_nodes(self, refresh=False):
        return [self.host or socket.gethostname()]

    def get_available_resource(self, nodename):
        return {
            'vcpus': self.vcpus,
            'memory_mb': self.memory_mb,
            'local_gb': self.local_gb,
            'vcpus_used': 0,
            'memory_mb_used': 0,
            'local_gb_used': 0,
            'hypervisor_type': 'fake',
            'hypervisor_version': 1000,
            'hypervisor_hostname': nodename,
            'cpu_info': json.dumps({'arch': 'x86_64', 'model': 'fake'}),
            'disk_available_least': self.local_gb,
        }

    def list_instances(self):
        return [guest.name for guest in list(self.instances.values())]

    def list_instance_uuids(self):
        return list(self.instances)

    def get_info(self, instance):
        guest = self._guest(instance)
        return driver.InstanceInfo(state=guest.state,
                                   max_mem_kb=guest.memory_mb * 1024,
                                   mem_kb=guest.memory_mb * 1024,
                                   num_cpu=guest.vcpus)

    # Lifecycle --------------------------------------------------------------

    def spawn(self, context, instance, image_meta, injected_files,
              admin_password, network_info=None, block_device_info=None):
        self._operation('spawn', instance)
        guest = FakeGuest(instance)
        for vif in network_info or []:
            guest.log('eth: %s' % vif.get('address'))
        guest.log('login:')
        with self._lock:
            self.instances[instance.uuid] = guest

    def destroy(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True):
        self._operation('destroy', instance)
        with self._lock:
            self.instances.pop(instance.uuid, None)

    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None):
        self._operation('reboot', instance)
        guest = (self._guest_or_redefine(instance) if reboot_type == 'HARD'
                 else self._guest(instance))
        if reboot_type == 'SOFT' and guest.state != power_state.RUNNING:
            raise exception.InstanceDriverError(
                instance_uuid=instance.uuid,
                reason='soft reboot needs a running guest')
        guest.log('Rebooting (%s)' % reboot_type)
        guest.state = power_state.RUNNING

    def power_off(self, instance, timeout=0, retry_interval=0):
        self._operation('power_off', instance)
        self._guest(instance).state = power_state.SHUTDOWN

    def _guest_or_redefine(self, instance):
        """The guest, defined again when the host forgot it (the fake's
        memory died with its process), as libvirt redefines a domain from
        the instance's disks on power-on and hard reboot."""
        with self._lock:
            guest = self.instances.get(instance.uuid)
            if guest is None:
                guest = self.instances[instance.uuid] = FakeGuest(instance)
                guest.state = power_state.SHUTDOWN
            return guest

    def power_on(self, context, instance, network_info,
                 block_device_info=None):
        self._operation('power_on', instance)
        guest = self._guest_or_redefine(instance)
        guest.log('Booting %s' % guest.name)
        guest.state = power_state.RUNNING

    def pause(self, instance):
        self._operation('pause', instance)
        self._guest(instance).state = power_state.PAUSED

    def unpause(self, instance):
        self._operation('unpause', instance)
        self._guest(instance).state = power_state.RUNNING

    def trigger_crash_dump(self, instance):
        self._operation('trigger_crash_dump', instance)
        guest = self._guest(instance)
        if guest.state not in (power_state.RUNNING, power_state.PAUSED):
            raise exception.InstanceNotRunning(instance_id=instance.uuid)
        # What a kernel without kdump prints.
        guest.log('NMI received for unknown reason 00 on CPU 0.')

    def suspend(self, context, instance):
        self._operation('suspend', instance)
        self._guest(instance).state = power_state.SUSPENDED

    def resume(self, context, instance, network_info,
               block_device_info=None):
        self._operation('resume', instance)
        self._guest(instance).state = power_state.RUNNING

    def rebuild(self, context, instance, image_meta, injected_files,
                admin_password, network_info=None, block_device_info=None):
        self._operation('rebuild', instance)
        guest = self._guest(instance)
        guest.image_ref = instance.image_ref
        guest.console = ['Booting %s (rebuilt)' % guest.name]
        guest.state = power_state.RUNNING

    def rescue(self, context, instance, network_info, image_meta,
               rescue_password):
        self._operation('rescue', instance)
        guest = self._guest(instance)
        guest.rescued = True
        guest.log('Booting rescue image %s' % image_meta.get('id'))
        guest.state = power_state.RUNNING

    def unrescue(self, instance, network_info):
        self._operation('unrescue', instance)
        guest = self._guest(instance)
        guest.rescued = False
        guest.log('Booting %s' % guest.name)
        guest.state = power_state.RUNNING

    # Resize -----------------------------------------------------------------

    def migrate_disk_and_power_off(self, context, instance, dest, flavor,
                                   network_info, block_device_info=None):
        self._operation('migrate_disk_and_power_off', instance)
        guest = self._guest(instance)
        guest.resize_backup = (guest.memory_mb, guest.vcpus, guest.root_gb)
        guest.state = power_state.SHUTDOWN
        return json.dumps({'root_gb': guest.root_gb})

    def finish_migration(self, context, migration, instance, disk_info,
                         network_info, image_meta, resize_instance,
                         block_device_info=None, power_on=True):
        self._operation('finish_migration', instance)
        guest = self.instances.get(instance.uuid) or FakeGuest(instance)
        guest.memory_mb = instance.memory_mb
        guest.vcpus = instance.vcpus
        guest.root_gb = instance.root_gb
        guest.state = (power_state.RUNNING if power_on
                       else power_state.SHUTDOWN)
        self.instances[instance.uuid] = guest

    def confirm_migration(self, context, migration, instance, network_info):
        self._operation('confirm_migration', instance)
        guest = self.instances.get(instance.uuid)
        if guest is not None:
            guest.resize_backup = None

    def finish_revert_migration(self, context, instance, network_info,
                                block_device_info=None, power_on=True):
        self._operation('finish_revert_migration', instance)
        guest = self._guest(instance)
        if guest.resize_backup:
            guest.memory_mb, guest.vcpus, guest.root_gb = guest.resize_backup
            guest.resize_backup = None
        guest.state = (power_state.RUNNING if power_on
                       else power_state.SHUTDOWN)

    # Images and consoles ----------------------------------------------------

    def snapshot(self, context, instance, image_id, update_task_state):
        from nimbus.compute import task_states
        self._operation('snapshot', instance)
        guest = self._guest(instance)
        update_task_state(task_states.IMAGE_PENDING_UPLOAD,
                          task_states.IMAGE_SNAPSHOT)
        update_task_state(task_states.IMAGE_UPLOADING,
                          task_states.IMAGE_PENDING_UPLOAD)
        data = ('fake disk of %s from %s\n' % (guest.name, guest.image_ref)
                ).encode()
        return {'disk_format': 'qcow2', 'container_format': 'bare',
                'data': [data]}

    def get_console_output(self, context, instance):
        self._operation('get_console_output', instance)
        return '\n'.join(self._guest(instance).console) + '\n'
