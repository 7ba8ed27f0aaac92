"""LibvirtDriver: real guests under libvirt + QEMU (KVM, or TCG where
there is no usable KVM).

Every guest is a persistent domain named after the instance, with its
files in ``<instances_path>/<uuid>/`` (see imagebackend) on top of the
image cache in ``<instances_path>/_base`` (see imagecache). The domain
XML comes from config objects (see config); the last one defined is also
kept as ``libvirt.xml`` in the instance directory, and a hard reboot or a
power-on after the host forgot the domain defines it again from there.

Power-state changes reach the compute manager as they happen through
libvirt's lifecycle events (see host); the manager's periodic sync
remains the safety net.
"""

import contextlib
import functools
import json
import os
import socket
import tempfile
import time
from xml.etree import ElementTree as etree

from oslo_log import log as logging

from nimbus.compute import power_state
from nimbus.compute import task_states
from nimbus.conf import CONF
from nimbus import exception
from nimbus.virt import driver
from nimbus.virt.libvirt import config as vconfig
from nimbus.virt.libvirt import host as libvirt_host
from nimbus.virt.libvirt import imagebackend
from nimbus.virt.libvirt import imagecache
from nimbus.virt.libvirt import qemu_img

try:
    import libvirt
except ImportError:  # pragma: no cover
    libvirt = None

LOG = logging.getLogger(__name__)

GiB = 1024 ** 3
DEFAULT_CMDLINE = 'root=/dev/vda console=ttyS0'
# How often an ACPI power-button press is repeated while waiting: a guest
# still booting may miss the first one.
ACPI_RETRY_SECONDS = 5


def _translate_errors(fn):
    """libvirt's errors become InstanceDriverError with libvirt's own
    message, which users see in the fault."""
    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        try:
            return fn(self, *args, **kwargs)
        except libvirt.libvirtError as exc:
            instance = _find_instance(args, kwargs)
            raise exception.InstanceDriverError(
                instance_uuid=getattr(instance, 'uuid', None),
                reason=exc.get_error_message() or str(exc)) from exc
    return wrapper


def _find_instance(args, kwargs):
    if 'instance' in kwargs:
        return kwargs['instance']
    for arg in args:
        if hasattr(arg, 'uuid') and hasattr(arg, 'vm_state'):
            return arg
    return None


def boot_of(xml):
    """(kernel, initrd, cmdline) of a domain XML (None where absent)."""
    os_ = etree.fromstring(xml).find('os')
    if os_ is None:
        return None, None, None
    return (os_.findtext('kernel'), os_.findtext('initrd'),
            os_.findtext('cmdline'))


def with_flavor(xml, memory_mb, vcpus):
    """The domain XML with another memory size and vcpu count."""
    domain = etree.fromstring(xml)
    for tag in ('memory', 'currentMemory'):
        element = domain.find(tag)
        if element is not None:
            element.text = str(memory_mb * 1024)
            element.set('unit', 'KiB')
    domain.find('vcpu').text = str(vcpus)
    return etree.tostring(domain, encoding='unicode')


class LibvirtDriver(driver.ComputeDriver):

    capabilities = dict(driver.ComputeDriver.capabilities,
                        has_imagecache=True, supports_pause=True,
                        supports_suspend=True, supports_rescue=True,
                        supports_resize=True, supports_snapshot=True,
                        supports_console_output=True)

    def __init__(self):
        super().__init__()
        self.host_name = None
        self._host = None
        self._image_cache = None

    # The host ---------------------------------------------------------------

    @property
    def uri(self):
        return CONF.libvirt.connection_uri or 'qemu:///system'

    @property
    def instances_path(self):
        return CONF.instances_path

    def image_api(self):
        from nimbus.image import glance
        return glance.API()

    def init_host(self, host):
        self.host_name = host
        os.makedirs(self.instances_path, mode=0o755, exist_ok=True)
        # The QEMU user must reach the instance directories.
        os.chmod(self.instances_path, 0o755)
        self._image_cache = imagecache.ImageCache(
            self.instances_path, self.image_api(),
            force_raw=CONF.force_raw_images)
        self._host = libvirt_host.Host(self.uri, self._on_lifecycle_event)
        self._host.initialize()

    def cleanup_host(self, host):
        if self._host is not None:
            self._host.close()

    def _on_lifecycle_event(self, uuid, event):
        # A domain gone by now was deleted (or cleaned up after a failed
        # build): nothing to sync, and asking the database would only
        # find no instance.
        if self._host.find_guest(uuid) is None:
            return
        self.emit_event(uuid)

    def get_available_nodes(self, refresh=False):
        return [self.host_name or socket.gethostname()]

    def supported_instances(self):
        return [[self._host.get_arch(), CONF.libvirt.virt_type, 'hvm']]

    def get_available_resource(self, nodename):
        memory_mb, vcpus = self._host.get_info()
        fs = os.statvfs(self.instances_path)
        total_gb = fs.f_frsize * fs.f_blocks // GiB
        free_gb = fs.f_frsize * fs.f_bavail // GiB
        return {
            'vcpus': vcpus,
            'memory_mb': memory_mb,
            'local_gb': total_gb,
            'vcpus_used': 0,
            'memory_mb_used': 0,
            'local_gb_used': 0,
            'hypervisor_type': 'QEMU',
            'hypervisor_version': self._host.get_version(),
            'hypervisor_hostname': nodename,
            'cpu_info': json.dumps(self._host.get_cpu_info()),
            'disk_available_least': free_gb,
            'supported_instances': json.dumps(self.supported_instances()),
        }

    def list_instances(self):
        return [guest.name for guest in self._host.list_guests()]

    def list_instance_uuids(self):
        return [guest.uuid for guest in self._host.list_guests()]

    def instance_exists(self, instance):
        return self._host.find_guest(instance.uuid) is not None

    @_translate_errors
    def get_info(self, instance):
        guest = self._host.get_guest(instance.uuid)
        state, max_mem, mem, vcpus, cpu_time = guest.get_info()
        return driver.InstanceInfo(state=state, max_mem_kb=max_mem,
                                   mem_kb=mem, num_cpu=vcpus,
                                   cpu_time_ns=cpu_time)

    # Building blocks ------------------------------------------------------

    def _files(self, instance):
        return imagebackend.InstanceFiles(self.instances_path, instance.uuid)

    def _full_image_meta(self, context, image_meta, image_ref):
        """The image service's dict of the image (a caller may pass only
        its id, or nothing)."""
        if image_meta and image_meta.get('disk_format'):
            return image_meta
        image_id = (image_meta or {}).get('id') or image_ref
        if not image_id:
            raise exception.ImageNotFound(image_id='(none)')
        return self.image_api().get(context, image_id)

    def _create_disks(self, context, instance, image_meta, files,
                      suffix=''):
        """Root disk (and kernel, ramdisk) of ``image_meta`` in the
        instance directory; returns (disk path, driver type, boot) where
        boot is (kernel, initrd, cmdline) or Nones."""
        props = image_meta.get('properties') or {}
        if image_meta.get('disk_format') in ('aki', 'ari'):
            raise exception.ImageUnacceptable(
                image_id=image_meta.get('id'),
                reason='a %s image is a kernel or ramdisk, not a bootable '
                       'disk' % image_meta['disk_format'])
        base, base_fmt = self._image_cache.fetch_disk(context, image_meta)
        disk, driver_type = files.create_disk(
            'disk' + suffix, base, base_fmt,
            size_bytes=(instance.root_gb or 0) * GiB,
            images_type=CONF.libvirt.images_type)
        kernel_id = props.get('kernel_id')
        ramdisk_id = props.get('ramdisk_id')
        if not suffix:
            kernel_id = kernel_id or instance.kernel_id
            ramdisk_id = ramdisk_id or instance.ramdisk_id
        kernel = initrd = cmdline = None
        if kernel_id:
            kernel = files.copy_file(
                self._image_cache.fetch_file(context, kernel_id),
                'kernel' + suffix)
            if ramdisk_id:
                initrd = files.copy_file(
                    self._image_cache.fetch_file(context, ramdisk_id),
                    'ramdisk' + suffix)
            cmdline = DEFAULT_CMDLINE
            if props.get('os_command_line'):
                cmdline += ' ' + props['os_command_line']
        return disk, driver_type, (kernel, initrd, cmdline)

    def _guest_config(self, instance, network_info, files, disks, boot):
        kernel, initrd, cmdline = boot
        config = vconfig.GuestConfig(
            instance.name, instance.uuid, instance.memory_mb,
            instance.vcpus, virt_type=CONF.libvirt.virt_type,
            arch=self._host.get_arch(), kernel=kernel, initrd=initrd,
            cmdline=cmdline,
            metadata={'project': instance.project_id,
                      'user': instance.user_id})
        for index, (path, driver_type) in enumerate(disks):
            config.add_device(vconfig.GuestDisk(
                path, target_dev='vd' + 'abcdefgh'[index],
                driver_type=driver_type))
        for vif in network_info or []:
            network = vif.get('network') or {}
            bridge = network.get('bridge')
            if not bridge:
                raise exception.InstanceDriverError(
                    instance_uuid=instance.uuid,
                    reason='VIF %s has no bridge' % vif.get('id'))
            config.add_device(vconfig.GuestInterface(
                bridge, vif['address'],
                target_dev=vif.get('devname') or
                ('tap' + str(vif['id'])[:11])))
        config.add_device(vconfig.GuestSerial(files.console_log))
        return config

    def _define(self, xml, files, name='libvirt.xml'):
        files.write(name, xml)
        return self._host.define_guest(xml)

    def _undefine(self, instance):
        guest = self._host.find_guest(instance.uuid)
        if guest is not None:
            guest.destroy()
            guest.undefine()

    def _guest_or_define(self, context, instance, network_info):
        """The domain; defined again from libvirt.xml when the host
        forgot it, or built again from the image when even the files are
        gone."""
        guest = self._host.find_guest(instance.uuid)
        if guest is not None:
            return guest
        files = self._files(instance)
        if os.path.exists(files.path('libvirt.xml')) and \
                os.path.exists(files.path('disk')):
            LOG.warning('Domain of %s was gone; defining it again from %s',
                        instance.uuid, files.path('libvirt.xml'))
            with open(files.path('libvirt.xml')) as xml:
                return self._host.define_guest(xml.read())
        LOG.warning('Domain and disks of %s are gone; building it again '
                    'from its image', instance.uuid)
        self._create_guest(context, instance, None, network_info,
                           launch=False)
        return self._host.get_guest(instance.uuid)

    def _create_guest(self, context, instance, image_meta, network_info,
                      launch=True):
        files = self._files(instance)
        image_meta = self._full_image_meta(context, image_meta,
                                           instance.image_ref)
        files.ensure_dir()
        disk, driver_type, boot = self._create_disks(context, instance,
                                                     image_meta, files)
        config = self._guest_config(instance, network_info, files,
                                    [(disk, driver_type)], boot)
        guest = self._define(config.to_xml(), files)
        if launch:
            guest.launch()
        return guest

    # Lifecycle --------------------------------------------------------------

    def spawn(self, context, instance, image_meta, injected_files,
              admin_password, network_info=None, block_device_info=None):
        began = time.monotonic()
        try:
            # A domain left by an earlier attempt would keep the old disks.
            self._undefine(instance)
            self._create_guest(context, instance, image_meta, network_info)
        except Exception as exc:
            LOG.warning('Spawning %s failed (%s); removing what was made',
                        instance.uuid, exc)
            self._cleanup(instance)
            if isinstance(exc, exception.NimbusException):
                raise
            if libvirt is not None and isinstance(exc, libvirt.libvirtError):
                raise exception.InstanceDriverError(
                    instance_uuid=instance.uuid,
                    reason=exc.get_error_message() or str(exc)) from exc
            raise exception.InstanceDriverError(
                instance_uuid=instance.uuid, reason=str(exc)) from exc
        LOG.info('Guest of %s started in %.2fs', instance.uuid,
                 time.monotonic() - began)

    def _cleanup(self, instance, destroy_disks=True):
        try:
            self._undefine(instance)
        except Exception:
            LOG.exception('Could not remove the domain of %s', instance.uuid)
        if destroy_disks:
            self._files(instance).remove_all()

    @_translate_errors
    def destroy(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True):
        self._undefine(instance)
        if destroy_disks:
            self._files(instance).remove_all()

    def _shutdown(self, guest, timeout):
        """ACPI power-off, repeated while the guest may still be booting;
        True if the guest went off within ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                guest.shutdown()
            except libvirt.libvirtError:
                if not guest.is_active():
                    return True
                raise
            left = deadline - time.monotonic()
            if guest.wait_for_shutoff(min(ACPI_RETRY_SECONDS,
                                          max(left, 0))):
                return True
            if time.monotonic() >= deadline:
                return False

    @_translate_errors
    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None):
        if reboot_type == 'SOFT':
            guest = self._host.find_guest(instance.uuid)
            if guest is not None and guest.get_power_state() == \
                    power_state.RUNNING:
                if self._shutdown(guest, CONF.libvirt.soft_reboot_wait):
                    guest.launch()
                    return
                LOG.warning('Guest of %s did not shut down within %ss; '
                            'rebooting it hard', instance.uuid,
                            CONF.libvirt.soft_reboot_wait)
        self._hard_reboot(context, instance, network_info)

    def _hard_reboot(self, context, instance, network_info):
        guest = self._guest_or_define(context, instance, network_info)
        guest.destroy()
        guest.remove_managed_save()
        files = self._files(instance)
        if os.path.exists(files.path('libvirt.xml')):
            with open(files.path('libvirt.xml')) as xml:
                guest = self._host.define_guest(xml.read())
        guest.launch()

    @_translate_errors
    def power_off(self, instance, timeout=0, retry_interval=0):
        guest = self._host.find_guest(instance.uuid)
        if guest is None or not guest.is_active():
            return
        if timeout and guest.get_power_state() == power_state.RUNNING:
            if self._shutdown(guest, timeout):
                return
            LOG.warning('Guest of %s did not shut down within %ss; '
                        'destroying it', instance.uuid, timeout)
        guest.destroy()

    @_translate_errors
    def power_on(self, context, instance, network_info,
                 block_device_info=None):
        guest = self._guest_or_define(context, instance, network_info)
        if not guest.is_active():
            guest.launch()

    @_translate_errors
    def pause(self, instance):
        self._host.get_guest(instance.uuid).pause()

    @_translate_errors
    def unpause(self, instance):
        self._host.get_guest(instance.uuid).resume()

    @_translate_errors
    def trigger_crash_dump(self, instance):
        guest = self._host.get_guest(instance.uuid)
        try:
            guest.inject_nmi()
        except libvirt.libvirtError as exc:
            code = exc.get_error_code()
            if code == libvirt.VIR_ERR_OPERATION_INVALID:
                raise exception.InstanceNotRunning(
                    instance_id=instance.uuid) from exc
            if code == libvirt.VIR_ERR_NO_SUPPORT:
                raise exception.TriggerCrashDumpNotSupported() from exc
            raise

    @_translate_errors
    def suspend(self, context, instance):
        guest = self._host.get_guest(instance.uuid)
        if guest.is_active():
            guest.managed_save()

    @_translate_errors
    def resume(self, context, instance, network_info,
               block_device_info=None):
        guest = self._guest_or_define(context, instance, network_info)
        if not guest.is_active():
            guest.launch()  # from the managed save image
        elif guest.get_power_state() == power_state.PAUSED:
            guest.resume()

    # rebuild: the manager's destroy + spawn does it (new disk from the new
    # image, same domain name and uuid).

    @_translate_errors
    def rescue(self, context, instance, network_info, image_meta,
               rescue_password):
        files = self._files(instance)
        image_meta = self._full_image_meta(context, image_meta,
                                           instance.image_ref)
        guest = self._host.get_guest(instance.uuid)
        rescue_disk, driver_type, boot = self._create_disks(
            context, instance, image_meta, files, suffix='.rescue')
        root_type = etree.fromstring(guest.xml_desc(inactive=True)).find(
            "./devices/disk/driver").get('type')
        config = self._guest_config(
            instance, network_info, files,
            [(rescue_disk, driver_type), (files.path('disk'), root_type)],
            boot)
        guest.destroy()
        guest.remove_managed_save()
        # libvirt.xml keeps the normal definition for unrescue.
        self._define(config.to_xml(), files,
                     name='libvirt-rescue.xml').launch()

    @_translate_errors
    def unrescue(self, instance, network_info):
        files = self._files(instance)
        guest = self._host.get_guest(instance.uuid)
        guest.destroy()
        with open(files.path('libvirt.xml')) as xml:
            self._host.define_guest(xml.read()).launch()
        files.remove('disk.rescue', 'kernel.rescue', 'ramdisk.rescue',
                     'libvirt-rescue.xml')

    # Resize (same host) ---------------------------------------------------

    @_translate_errors
    def migrate_disk_and_power_off(self, context, instance, dest, flavor,
                                   network_info, block_device_info=None):
        if dest != self.host_name:
            raise exception.InstanceDriverError(
                instance_uuid=instance.uuid,
                reason='the libvirt driver resizes on the same host only '
                       '(no shared instances_path with %s)' % dest)
        files = self._files(instance)
        new_size = (flavor.root_gb or 0) * GiB
        if new_size and new_size < files.virtual_size():
            raise exception.InstanceDriverError(
                instance_uuid=instance.uuid,
                reason='the root disk cannot shrink to %d GiB' %
                flavor.root_gb)
        self.power_off(instance, CONF.shutdown_timeout)
        files.keep_pre_resize()
        return json.dumps({'root_gb': flavor.root_gb or 0})

    @_translate_errors
    def finish_migration(self, context, migration, instance, disk_info,
                         network_info, image_meta, resize_instance,
                         block_device_info=None, power_on=True):
        files = self._files(instance)
        if resize_instance and instance.root_gb:
            files.grow_disk(instance.root_gb * GiB)
        guest = self._guest_or_define(context, instance, network_info)
        xml = with_flavor(guest.xml_desc(inactive=True), instance.memory_mb,
                          instance.vcpus)
        guest = self._define(xml, files)
        if power_on:
            guest.launch()

    @_translate_errors
    def confirm_migration(self, context, migration, instance, network_info):
        self._files(instance).remove('disk.pre-resize')

    @_translate_errors
    def finish_revert_migration(self, context, instance, network_info,
                                block_device_info=None, power_on=True):
        files = self._files(instance)
        guest = self._guest_or_define(context, instance, network_info)
        guest.destroy()
        files.restore_pre_resize()
        xml = with_flavor(guest.xml_desc(inactive=True), instance.memory_mb,
                          instance.vcpus)
        guest = self._define(xml, files)
        if power_on:
            guest.launch()

    # Images and consoles ----------------------------------------------------

    @_translate_errors
    def snapshot(self, context, instance, image_id, update_task_state):
        """The root disk flattened into a standalone qcow2 (the guest is
        paused while it is read, so the copy is consistent)."""
        guest = self._host.get_guest(instance.uuid)
        files = self._files(instance)
        update_task_state(task_states.IMAGE_PENDING_UPLOAD,
                          task_states.IMAGE_SNAPSHOT)
        fd, path = tempfile.mkstemp(prefix='snapshot-', suffix='.qcow2',
                                    dir=files.dir)
        os.close(fd)
        paused = False
        try:
            if guest.get_power_state() == power_state.RUNNING:
                guest.pause()
                paused = True
            try:
                qemu_img.convert(files.path('disk'), path, 'qcow2',
                                 source_fmt=files.disk_format(),
                                 force_share=True)
            finally:
                if paused:
                    guest.resume()
        except Exception:
            os.unlink(path)
            raise
        update_task_state(task_states.IMAGE_UPLOADING,
                          task_states.IMAGE_PENDING_UPLOAD)
        return {'disk_format': 'qcow2', 'container_format': 'bare',
                'data': _chunks_then_remove(path)}

    def get_console_output(self, context, instance):
        files = self._files(instance)
        if not files.exists():
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        return files.read_tail('console.log',
                               CONF.libvirt.console_log_max_bytes)

    # Image cache --------------------------------------------------------

    def manage_image_cache(self, context, all_instances):
        """Remove bases no instance directory under instances_path uses
        (instances of every host sharing it count)."""
        if not CONF.libvirt.remove_unused_base_images:
            return []
        in_use = []
        try:
            names = os.listdir(self.instances_path)
        except FileNotFoundError:
            return []
        for name in names:
            if name == imagecache.BASE_DIR:
                continue
            files = imagebackend.InstanceFiles(self.instances_path, name)
            if files.exists():
                in_use.extend(files.backing_files())
        return self._image_cache.remove_unused(
            in_use, CONF.libvirt.remove_unused_base_images_age)


def _chunks_then_remove(path, chunk_size=1024 * 1024):
    try:
        with open(path, 'rb') as data:
            while True:
                chunk = data.read(chunk_size)
                if not chunk:
                    return
                yield chunk
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
