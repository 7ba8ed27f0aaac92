"""libvirt domain XML, built from small config objects.

Each object knows its own element: ``to_element()`` returns an
``xml.etree.ElementTree.Element`` and ``to_xml()`` the serialised text.
No string templates: every value goes through the XML library, so names,
paths and command lines are escaped whatever they hold.
"""

from xml.etree import ElementTree as etree


def _sub(parent, tag, text=None, **attrs):
    element = etree.SubElement(parent, tag, {k.rstrip('_'): str(v)
                                             for k, v in attrs.items()
                                             if v is not None})
    if text is not None:
        element.text = str(text)
    return element


class ConfigObject:
    def to_element(self):
        raise NotImplementedError()

    def to_xml(self):
        element = self.to_element()
        etree.indent(element)
        return etree.tostring(element, encoding='unicode')


class GuestDisk(ConfigObject):
    """A file-backed disk: ``driver_type`` qcow2 or raw, on virtio by
    default."""

    def __init__(self, source_path, target_dev='vda', driver_type='qcow2',
                 target_bus='virtio', device='disk', cache='none',
                 read_only=False):
        self.source_path = source_path
        self.target_dev = target_dev
        self.driver_type = driver_type
        self.target_bus = target_bus
        self.device = device
        self.cache = cache
        self.read_only = read_only

    def to_element(self):
        disk = etree.Element('disk', type='file', device=self.device)
        _sub(disk, 'driver', name='qemu', type=self.driver_type,
             cache=self.cache)
        _sub(disk, 'source', file=self.source_path)
        _sub(disk, 'target', dev=self.target_dev, bus=self.target_bus)
        if self.read_only:
            _sub(disk, 'readonly')
        return disk


class GuestInterface(ConfigObject):
    """A VIF plugged into a Linux bridge through a tap named
    ``target_dev``."""

    def __init__(self, bridge, mac_address, target_dev=None,
                 model='virtio'):
        self.bridge = bridge
        self.mac_address = mac_address
        self.target_dev = target_dev
        self.model = model

    def to_element(self):
        interface = etree.Element('interface', type='bridge')
        _sub(interface, 'mac', address=self.mac_address)
        _sub(interface, 'source', bridge=self.bridge)
        if self.target_dev:
            _sub(interface, 'target', dev=self.target_dev)
        _sub(interface, 'model', type=self.model)
        return interface


class GuestSerial(ConfigObject):
    """The first serial port: a pty (``virsh console`` works) whose output
    virtlogd writes to ``log_path``, rotating it at its max_size."""

    def __init__(self, log_path, append=True):
        self.log_path = log_path
        self.append = append

    def to_element(self):
        serial = etree.Element('serial', type='pty')
        _sub(serial, 'log', file=self.log_path,
             append='on' if self.append else 'off')
        _sub(serial, 'target', port=0)
        return serial


class GuestConfig(ConfigObject):
    """A whole domain.  Boot either from the first disk, or directly from
    ``kernel`` (+ ``initrd``, ``cmdline``) with the disks attached."""

    def __init__(self, name, uuid, memory_mb, vcpus, virt_type='kvm',
                 arch='x86_64', kernel=None, initrd=None, cmdline=None,
                 metadata=None):
        self.name = name
        self.uuid = uuid
        self.memory_mb = memory_mb
        self.vcpus = vcpus
        self.virt_type = virt_type
        self.arch = arch
        self.kernel = kernel
        self.initrd = initrd
        self.cmdline = cmdline
        self.metadata = metadata or {}
        self.devices = []

    def add_device(self, device):
        self.devices.append(device)
        return device

    @property
    def disks(self):
        return [d for d in self.devices if isinstance(d, GuestDisk)]

    def to_element(self):
        domain = etree.Element('domain', type=self.virt_type)
        _sub(domain, 'name', self.name)
        _sub(domain, 'uuid', self.uuid)
        if self.metadata:
            metadata = _sub(domain, 'metadata')
            nimbus = _sub(metadata, 'nimbus:instance', **{
                'xmlns:nimbus': 'http://nimbus.example.org/xmlns/1.0'})
            for key, value in sorted(self.metadata.items()):
                _sub(nimbus, 'nimbus:' + key, value)
        _sub(domain, 'memory', self.memory_mb * 1024, unit='KiB')
        _sub(domain, 'vcpu', self.vcpus)
        os_ = _sub(domain, 'os')
        _sub(os_, 'type', 'hvm', arch=self.arch)
        if self.kernel:
            _sub(os_, 'kernel', self.kernel)
            if self.initrd:
                _sub(os_, 'initrd', self.initrd)
            if self.cmdline:
                _sub(os_, 'cmdline', self.cmdline)
        else:
            _sub(os_, 'boot', dev='hd')
        features = _sub(domain, 'features')
        _sub(features, 'acpi')
        _sub(features, 'apic')
        if self.virt_type == 'kvm':
            _sub(domain, 'cpu', mode='host-passthrough')
        _sub(domain, 'clock', offset='utc')
        _sub(domain, 'on_poweroff', 'destroy')
        _sub(domain, 'on_reboot', 'restart')
        _sub(domain, 'on_crash', 'destroy')
        devices = _sub(domain, 'devices')
        for device in self.devices:
            devices.append(device.to_element())
        # No graphics (the serial console is the guest's screen), no USB,
        # no balloon: each device libvirt would add by default is one more
        # for the guest kernel to probe at boot, which under TCG costs.
        _sub(devices, 'controller', type='usb', model='none')
        _sub(devices, 'memballoon', model='none')
        return domain
