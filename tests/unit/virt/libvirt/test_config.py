"""The domain XML builder: parsed back and validated against libvirt's
own RNG schema (virt-xml-validate, from libvirt-clients + xmllint)."""

import subprocess
from xml.etree import ElementTree as etree

from nimbus.virt.libvirt import config as vconfig

UUID = '7b5c7a4e-4a8d-4c55-9f4e-0a1b2c3d4e5f'


def _guest(**kwargs):
    config = vconfig.GuestConfig('instance-0000002a', UUID, 256, 2,
                                 virt_type='qemu', **kwargs)
    config.add_device(vconfig.GuestDisk('/srv/inst/%s/disk' % UUID))
    config.add_device(vconfig.GuestInterface(
        'br100', 'fa:16:3e:12:34:56', target_dev='tap0123456789a'))
    config.add_device(vconfig.GuestSerial('/srv/inst/%s/console.log' % UUID))
    return config


def _validate(xml, tmp_path):
    path = tmp_path / 'domain.xml'
    path.write_text(xml)
    result = subprocess.run(['virt-xml-validate', str(path), 'domain'],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_direct_kernel_boot_domain(tmp_path):
    xml = _guest(kernel='/k', initrd='/r',
                 cmdline='root=/dev/vda console=ttyS0 quiet').to_xml()
    dom = etree.fromstring(xml)
    assert dom.get('type') == 'qemu'
    assert dom.findtext('name') == 'instance-0000002a'
    assert dom.findtext('uuid') == UUID
    assert dom.find('memory').text == str(256 * 1024)
    assert dom.find('memory').get('unit') == 'KiB'
    assert dom.findtext('vcpu') == '2'
    assert dom.find('os/type').text == 'hvm'
    assert dom.findtext('os/kernel') == '/k'
    assert dom.findtext('os/initrd') == '/r'
    assert dom.findtext('os/cmdline') == 'root=/dev/vda console=ttyS0 quiet'
    assert dom.find('os/boot') is None
    assert dom.find('features/acpi') is not None
    assert dom.findtext('on_poweroff') == 'destroy'

    disk = dom.find('devices/disk')
    assert (disk.get('type'), disk.get('device')) == ('file', 'disk')
    assert disk.find('driver').get('type') == 'qcow2'
    assert disk.find('source').get('file') == '/srv/inst/%s/disk' % UUID
    assert disk.find('target').attrib == {'dev': 'vda', 'bus': 'virtio'}

    vif = dom.find('devices/interface')
    assert vif.get('type') == 'bridge'
    assert vif.find('mac').get('address') == 'fa:16:3e:12:34:56'
    assert vif.find('source').get('bridge') == 'br100'
    assert vif.find('target').get('dev') == 'tap0123456789a'
    assert vif.find('model').get('type') == 'virtio'

    serial = dom.find('devices/serial')
    assert serial.get('type') == 'pty'
    assert serial.find('log').get('file') == \
        '/srv/inst/%s/console.log' % UUID
    assert serial.find('log').get('append') == 'on'
    assert dom.find('devices/graphics') is None
    assert dom.find("devices/controller[@type='usb']").get('model') == \
        'none'
    assert dom.find('devices/memballoon').get('model') == 'none'
    _validate(xml, tmp_path)


def test_disk_boot_domain_without_kernel(tmp_path):
    xml = _guest().to_xml()
    dom = etree.fromstring(xml)
    assert dom.find('os/kernel') is None
    assert dom.find('os/boot').get('dev') == 'hd'
    _validate(xml, tmp_path)


def test_kvm_domain_passes_the_host_cpu(tmp_path):
    config = vconfig.GuestConfig('i', UUID, 64, 1, virt_type='kvm')
    dom = etree.fromstring(config.to_xml())
    assert dom.get('type') == 'kvm'
    assert dom.find('cpu').get('mode') == 'host-passthrough'
    _validate(config.to_xml(), tmp_path)


def test_second_disk_and_raw_driver(tmp_path):
    config = _guest()
    config.add_device(vconfig.GuestDisk('/d2', target_dev='vdb',
                                        driver_type='raw'))
    dom = etree.fromstring(config.to_xml())
    disks = dom.findall('devices/disk')
    assert [d.find('target').get('dev') for d in disks] == ['vda', 'vdb']
    assert disks[1].find('driver').get('type') == 'raw'
    assert config.disks[1].source_path == '/d2'
    _validate(config.to_xml(), tmp_path)


def test_values_are_escaped_not_templated(tmp_path):
    # A hostile command line from an image property stays one text node.
    cmdline = 'console=ttyS0 x="</cmdline><kernel>/etc/shadow</kernel>" &'
    xml = _guest(kernel='/k', cmdline=cmdline).to_xml()
    dom = etree.fromstring(xml)
    assert dom.findtext('os/cmdline') == cmdline
    assert [k.text for k in dom.iter('kernel')] == ['/k']
    _validate(xml, tmp_path)


def test_metadata_is_namespaced(tmp_path):
    xml = _guest(metadata={'project': 'demo', 'user': 'alice'}).to_xml()
    dom = etree.fromstring(xml)
    ns = '{http://nimbus.example.org/xmlns/1.0}'
    inst = dom.find('metadata/%sinstance' % ns)
    assert inst.findtext(ns + 'project') == 'demo'
    assert inst.findtext(ns + 'user') == 'alice'
    _validate(xml, tmp_path)
