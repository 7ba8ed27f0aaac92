"""Options of the libvirt compute driver ([libvirt]) and of the image
cache it keeps under ``instances_path`` ([DEFAULT], Nova's names)."""

from oslo_config import cfg

LIBVIRT_GROUP = cfg.OptGroup('libvirt', title='The libvirt compute driver')

libvirt_opts = [
    cfg.StrOpt(
        'virt_type',
        default='kvm',
        choices=[('kvm', 'Hardware virtualisation (/dev/kvm).'),
                 ('qemu', 'Software emulation (TCG), where KVM is not '
                          'usable.')],
        help='Domain type of the guests.'),
    cfg.StrOpt(
        'connection_uri',
        default='',
        help='libvirt URI to connect to; empty means qemu:///system.'),
    cfg.StrOpt(
        'images_type',
        default='qcow2',
        choices=[('qcow2', 'A qcow2 overlay on the cached base image.'),
                 ('raw', 'A full raw copy of the cached base image.')],
        help='How the root disk of an instance is made.'),
    cfg.IntOpt(
        'console_log_max_bytes',
        default=1024 * 1024,
        min=4096,
        help='Most bytes of the serial console log that console output '
             'returns; the log itself is rotated by virtlogd (its '
             'max_size), which should be set to the same value.'),
    cfg.IntOpt(
        'soft_reboot_wait',
        default=120,
        min=0,
        help='Seconds a soft reboot waits for the guest to shut down '
             'after the ACPI request before it reboots it hard.'),
    cfg.IntOpt(
        'remove_unused_base_images_age',
        default=86400,
        min=0,
        help='Seconds a cached base image must have gone unused before '
             'the image cache removes it.'),
    cfg.BoolOpt(
        'remove_unused_base_images',
        default=True,
        help='Remove cached base images no instance uses any more.'),
]

default_opts = [
    cfg.IntOpt(
        'image_cache_manager_interval',
        default=2400,
        help='Seconds between two runs of the image cache manager; 0 or '
             'negative disables it.'),
    cfg.BoolOpt(
        'force_raw_images',
        default=True,
        help='Convert cached base images to raw, so that overlays read a '
             'flat file.'),
    cfg.IntOpt(
        'shutdown_timeout',
        default=60,
        min=0,
        help='Seconds a stop waits for the guest OS to power off after '
             'the ACPI request before the guest is destroyed.'),
]


def register_opts(conf):
    conf.register_group(LIBVIRT_GROUP)
    conf.register_opts(libvirt_opts, group=LIBVIRT_GROUP)
    conf.register_opts(default_opts)


def list_opts():
    return {'DEFAULT': default_opts, LIBVIRT_GROUP.name: libvirt_opts}
