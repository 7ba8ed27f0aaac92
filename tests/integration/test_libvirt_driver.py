"""LibvirtDriver on a real libvirtd (in a test network namespace), driven
directly: rescue and an NMI (trigger_crash_dump) on a real guest, the
image cache pass with real instances, and a spawn that fails half-way."""

import os
import shutil
import time
import uuid as uuidlib

import pytest

from nimbus.compute import power_state
from nimbus.conf import CONF
from nimbus import exception
from nimbus.virt.libvirt import driver as libvirt_driver
from nimbus.virt.libvirt import imagecache
from tests import guest_image
from tests.integration import libvirt_env

BOOTED = guest_image.MARKER_BOOTED


class LocalImages:
    """The image service's client, answering from local files."""

    def __init__(self, image_dir):
        self.files = {'kernel': os.path.join(image_dir, 'vmlinuz'),
                      'ramdisk': os.path.join(image_dir, 'initrd.img'),
                      'ami': os.path.join(image_dir, 'disk.qcow2')}
        self.metas = {
            'kernel': {'id': 'kernel', 'disk_format': 'aki'},
            'ramdisk': {'id': 'ramdisk', 'disk_format': 'ari'},
            'ami': {'id': 'ami', 'disk_format': 'qcow2', 'properties': {
                'kernel_id': 'kernel', 'ramdisk_id': 'ramdisk',
                'os_command_line': 'quiet'}},
        }

    def get(self, context, image_id):
        try:
            return self.metas[image_id]
        except KeyError:
            raise exception.ImageNotFound(image_id=image_id)

    def download(self, context, image_id, dst_path=None):
        shutil.copyfile(self.files[image_id], dst_path)
        return dst_path


class Instance:
    def __init__(self):
        self.uuid = str(uuidlib.uuid4())
        self.name = 'instance-t%s' % self.uuid[:8]
        self.memory_mb = 128
        self.vcpus = 1
        self.root_gb = 1
        self.project_id = 'demo'
        self.user_id = 'alice'
        self.kernel_id = None
        self.ramdisk_id = None
        self.image_ref = 'ami'
        self.vm_state = 'active'


@pytest.fixture(scope='module')
def image_dir(tmp_path_factory):
    return guest_image.build_image(
        str(tmp_path_factory.mktemp('guest-image'))).path


@pytest.fixture
def drv(conf, tmp_path, image_dir):
    instances_path = libvirt_env.instances_dir()
    conf.config(instances_path=instances_path)
    conf.config(virt_type='qemu', soft_reboot_wait=20, group='libvirt')
    with libvirt_env.LibvirtEnv(str(tmp_path / 'lv')) as lv:
        driver = libvirt_driver.LibvirtDriver()
        images = LocalImages(image_dir)
        driver.image_api = lambda: images
        driver.lv = lv
        driver.init_host('lvtest')
        try:
            yield driver
        finally:
            driver.cleanup_host('lvtest')
            shutil.rmtree(instances_path, ignore_errors=True)


@pytest.fixture
def conf():
    from oslo_config import fixture as config_fixture
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    try:
        yield fixture
    finally:
        fixture.cleanUp()


def _vif(lv):
    return {'id': uuidlib.uuid4().hex, 'address': 'fa:16:3e:00:11:22',
            'network': {'bridge': lv.bridge}}


def _wait_console(path, count=1, timeout=120, marker=BOOTED):
    deadline = time.monotonic() + timeout
    text = ''
    while time.monotonic() < deadline:
        try:
            with open(path, errors='replace') as f:
                text = f.read()
        except FileNotFoundError:
            text = ''
        if text.count(marker) >= count:
            return text
        time.sleep(0.2)
    raise AssertionError('%d x %r not in %s:\n%s' % (count, marker, path,
                                                     text[-2000:]))


def test_rescue_boots_the_rescue_disk_with_the_root_disk_second(drv):
    inst = Instance()
    vifs = [_vif(drv.lv)]
    drv.spawn(None, inst, {'id': 'ami'}, [], None, vifs)
    files = os.path.join(CONF.instances_path, inst.uuid)
    log = os.path.join(files, 'console.log')
    _wait_console(log)
    # trigger_crash_dump: an NMI, which the guest's kernel (no kdump)
    # reports on its console.
    drv.trigger_crash_dump(inst)
    _wait_console(log, marker='NMI received', timeout=30)
    drv.rescue(None, inst, vifs, {'id': 'ami'}, None)
    xml = drv.lv.virsh('dumpxml', inst.uuid)
    assert "%s/disk.rescue'" % files in xml
    assert "%s/disk'" % files in xml and "dev='vdb'" in xml
    assert '%s/kernel.rescue<' % files in xml
    assert drv.get_info(inst).state == power_state.RUNNING
    _wait_console(log, 2)
    drv.unrescue(inst, vifs)
    xml = drv.lv.virsh('dumpxml', inst.uuid)
    assert 'rescue' not in xml and "dev='vdb'" not in xml
    assert not os.path.exists(os.path.join(files, 'disk.rescue'))
    _wait_console(log, 3)
    drv.power_off(inst)
    with pytest.raises(exception.InstanceNotRunning):
        drv.trigger_crash_dump(inst)
    drv.destroy(None, inst, vifs)
    assert inst.uuid not in drv.lv.domains()
    assert not os.path.exists(files)


def test_image_cache_pass_keeps_bases_in_use(drv, conf):
    inst = Instance()
    drv.spawn(None, inst, {'id': 'ami'}, [], None, [_vif(drv.lv)])
    base_dir = os.path.join(CONF.instances_path, imagecache.BASE_DIR)
    disk_base = os.path.join(base_dir, imagecache.base_name('ami'))
    kernel_base = os.path.join(base_dir, imagecache.base_name('kernel'))
    assert os.path.exists(disk_base) and os.path.exists(kernel_base)
    conf.config(remove_unused_base_images_age=0, group='libvirt')
    removed = drv.manage_image_cache(None, [])
    # The kernel and ramdisk are the instance's own files (links): their
    # bases may go; the disk's base is the overlay's backing file.
    assert disk_base not in removed and os.path.exists(disk_base)
    assert kernel_base in removed
    drv.destroy(None, inst, [])
    assert drv.manage_image_cache(None, []) == [disk_base]
    assert not os.path.exists(disk_base)


def test_failed_spawn_leaves_no_domain_and_no_directory(drv):
    inst = Instance()
    vif = _vif(drv.lv)
    vif['network']['bridge'] = 'nosuchbr0'
    with pytest.raises(exception.InstanceDriverError) as err:
        drv.spawn(None, inst, {'id': 'ami'}, [], None, [vif])
    assert inst.uuid in str(err.value)
    assert inst.uuid not in drv.lv.domains()
    assert not os.path.exists(os.path.join(CONF.instances_path, inst.uuid))
