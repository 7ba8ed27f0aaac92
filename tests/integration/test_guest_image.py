"""The test guest image boots in QEMU (TCG) and keeps its console contract.

Real QEMU, no libvirt and no host network: the guest's network is QEMU's
user-mode one with restrict=on, the metadata service a guestfwd to a
responder (tests/qemu_guest.py). Each boot takes about 5 s on an idle
machine; the timeouts are generous for a loaded one.
"""

import re

import pytest

from tests import guest_image
from tests import qemu_guest

BOOT_TIMEOUT = 120
POWEROFF_TIMEOUT = 20

USER_DATA = '''#!/bin/sh
echo "user-data says hello from $(hostname)"
grep -c test-key /root/.ssh/authorized_keys | sed 's/^/keys: /'
exit 3
'''


@pytest.fixture(scope='module')
def image():
    # The shared cache: a rebuild happens only when an input changed.
    return guest_image.build_image()


def metadata(instance_id, hostname, user_data=None):
    routes = {
        '/latest/meta-data/instance-id': instance_id,
        '/latest/meta-data/hostname': hostname,
        '/latest/meta-data/public-keys/0/openssh-key':
            'ssh-ed25519 AAAAC3Nza test-key@nimbus\n',
    }
    if user_data is not None:
        routes['/latest/user-data'] = user_data
    return routes


def assert_in_order(console, markers):
    pos = 0
    for marker in markers:
        found = re.compile(r'^' + re.escape(marker), re.M).search(
            console, pos)
        assert found, 'missing (or out of order) %r in:\n%s' % (marker,
                                                                 console)
        pos = found.end()


def test_kernel_boot_dhcp_metadata_user_data_and_acpi_poweroff(
        image, tmp_path):
    netdev = qemu_guest.metadata_netdev(
        str(tmp_path / 'md'), metadata('i-00000042', 'guest-42.novalocal',
                                       USER_DATA))
    with qemu_guest.Qemu(image.path, netdev=netdev) as vm:
        vm.wait_for(guest_image.MARKER_READY, BOOT_TIMEOUT)
        console = vm.console()
        assert_in_order(console, [
            guest_image.MARKER_BOOTED,
            'nimbus-guest: ip %s/16 dev eth0' % qemu_guest.METADATA_GUEST_IP,
            'nimbus-guest: metadata instance-id=i-00000042 '
            'hostname=guest-42.novalocal',
            'user-data says hello from guest-42',
            'keys: 1',
            'nimbus-guest: user-data ran rc=3',
            guest_image.MARKER_READY,
        ])
        assert qemu_guest.metadata_requests(str(tmp_path / 'md')) == [
            '/latest/meta-data/instance-id',
            '/latest/meta-data/hostname',
            '/latest/meta-data/public-keys/0/openssh-key',
            '/latest/user-data',
        ]
        assert guest_image.MARKER_POWERING_OFF not in console

        vm.system_powerdown()
        assert vm.wait_exit(POWEROFF_TIMEOUT) == 0
        assert guest_image.MARKER_POWERING_OFF in vm.console()
        assert 'reboot: Power down' in vm.console()


def test_kernel_boot_without_network(image):
    with qemu_guest.Qemu(image.path) as vm:
        vm.wait_for(guest_image.MARKER_READY, BOOT_TIMEOUT)
        assert_in_order(vm.console(), [
            guest_image.MARKER_BOOTED,
            guest_image.MARKER_NO_LEASE,
            guest_image.MARKER_NO_METADATA,
            guest_image.MARKER_NO_USER_DATA,
            guest_image.MARKER_READY,
        ])
        assert 'insmod' not in vm.console()  # no module failed to load


def test_disk_boots_alone_from_seabios(image, tmp_path):
    # disk.qcow2 alone: SeaBIOS, syslinux, the same kernel and initramfs;
    # metadata without user-data on the way.
    netdev = qemu_guest.metadata_netdev(
        str(tmp_path / 'md'), metadata('i-0000d15c', 'disk-guest'))
    with qemu_guest.Qemu(image.path, boot='disk', netdev=netdev) as vm:
        assert '-kernel' not in vm.command()
        vm.wait_for(guest_image.MARKER_READY, BOOT_TIMEOUT)
        console = vm.console()
        assert 'SYSLINUX' in console
        assert_in_order(console, [
            guest_image.MARKER_BOOTED,
            'nimbus-guest: ip %s/16 dev eth0' % qemu_guest.METADATA_GUEST_IP,
            'nimbus-guest: metadata instance-id=i-0000d15c '
            'hostname=disk-guest',
            guest_image.MARKER_NO_USER_DATA,
            guest_image.MARKER_READY,
        ])
        assert '/latest/user-data' in qemu_guest.metadata_requests(
            str(tmp_path / 'md'))
