"""Real guests: nimbus-compute with the libvirt driver (QEMU/TCG) boots the
test guest image (tests/guest_image.py), driven by python-openstackclient
through a real Keystone, with the daemons as separate processes over
RabbitMQ and MariaDB.

libvirtd, virtlogd and nimbus-compute run inside a network namespace the
test makes (tests/integration/libvirt_env.py), with its own br100 for the
guests' taps; RabbitMQ and the image API reach the compute through socat
relays. One cloud serves every test of this module, to keep the run short
(a TCG boot of the guest takes seconds).
"""

import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from tests import guest_image
from tests.integration import daemons
from tests.integration import keystone as keystone_harness
from tests.integration import libvirt_env
from tests.integration.module_fixtures import keystone  # noqa: F401
from tests.integration.module_fixtures import mysql_url  # noqa: F401
from tests.integration.module_fixtures import rabbit_url  # noqa: F401
from tests.integration.osc import run_openstack

BOOTED = guest_image.MARKER_BOOTED
HOST = 'lvnode'
BOOT_TIMEOUT = 120


@pytest.fixture(scope='module')
def image_files(tmp_path_factory):
    return guest_image.build_image(
        str(tmp_path_factory.mktemp('guest-image'))).path


@pytest.fixture(scope='module')
def lv(tmp_path_factory):
    with libvirt_env.LibvirtEnv(str(tmp_path_factory.mktemp('libvirt'))) \
            as env:
        yield env


class LibvirtCloud:
    def __init__(self, cloud, lv, instances_path, env):
        self.cloud = cloud
        self.lv = lv
        self.instances_path = instances_path
        self.env = env

    def start_compute(self):
        return self.cloud.start('compute', wrap=self.lv.wrap)

    def stop_compute(self, sig=signal.SIGTERM):
        return self.cloud.stop('compute', sig=sig)

    def server(self, name):
        return run_openstack(self.env, 'server', 'show', name)

    def wait_status(self, name, *statuses, timeout=BOOT_TIMEOUT):
        deadline = time.monotonic() + timeout
        server = None
        while time.monotonic() < deadline:
            self.cloud.assert_running()
            server = self.server(name)
            if server['status'] in statuses and not server.get(
                    'OS-EXT-STS:task_state'):
                return server
            time.sleep(0.5)
        raise AssertionError('%s not %s within %ss: %s' % (
            name, statuses, timeout, server))

    def console(self, name):
        return run_openstack(self.env, 'console', 'log', 'show', name,
                             json=False)

    def wait_console(self, name, marker=BOOTED, count=1,
                     timeout=BOOT_TIMEOUT):
        deadline = time.monotonic() + timeout
        text = ''
        while time.monotonic() < deadline:
            text = self.console(name)
            if text.count(marker) >= count:
                return text
            time.sleep(1)
        raise AssertionError('%r x%d not in the console of %s within %ss:'
                             '\n%s' % (marker, count, name, timeout,
                                       text[-3000:]))

    def instance_dir(self, server_id):
        return os.path.join(self.instances_path, server_id)

    def wait_gone(self, server_id, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server_id not in self.lv.domains() and \
                    not os.path.exists(self.instance_dir(server_id)):
                return
            time.sleep(0.5)
        raise AssertionError('domain or directory of %s left: %s %s' % (
            server_id, self.lv.domains(),
            os.listdir(self.instances_path)))


@pytest.fixture(scope='module')
def lvc(request, tmp_path_factory, lv, keystone, rabbit_url, mysql_url,
        image_files):
    workdir = tmp_path_factory.mktemp('nimbus')
    cloud = daemons.Cloud(workdir, rabbit_url, mysql_url, host=HOST)
    instances_path = libvirt_env.instances_dir()
    try:
        cloud.add_config(
            '[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n'
            'instances_path = %s\nsync_power_state_interval = 600\n'
            'shutdown_timeout = 30\nallow_resize_to_same_host = true\n'
            'image_cache_manager_interval = 0\n'
            '[libvirt]\nvirt_type = qemu\nsoft_reboot_wait = 30\n'
            '[api]\nauth_strategy = keystone\n' % instances_path)
        cloud.add_config(keystone_harness.authtoken_conf(
            keystone.service_user()))
        keystone.register_endpoint(
            'compute', 'nimbus', 'http://127.0.0.1:%d/v2.1' % cloud.api_port)
        keystone.register_endpoint('image', 'nimbus-image',
                                   'http://127.0.0.1:%d' % cloud.image_port)
        keystone.create_project('demo')
        keystone.create_user('alice', 'alice-pw', 'demo')
        cloud.manage('db', 'sync')
        cloud.manage('flavor', 'create-defaults')
        cloud.manage('network', 'create', '--label', 'private',
                     '--fixed_range_v4', '10.0.0.0/24', '--bridge', lv.bridge)
        lv.relay(int(rabbit_url.split('@', 1)[1].split('/')[0].split(':')[1]))
        lv.relay(cloud.image_port)
        env = keystone.env_for('alice', 'alice-pw', 'demo')
        failed_before = request.session.testsfailed
        result = LibvirtCloud(cloud, lv, instances_path, env)
    except BaseException:
        shutil.rmtree(instances_path, ignore_errors=True)
        raise
    try:
        cloud.start('conductor')
        cloud.start('network')
        cloud.start('scheduler')
        cloud.start('api')
        result.start_compute()
        cloud.wait_for_states({'nimbus-api': 'up', 'nimbus-scheduler': 'up',
                               'nimbus-conductor': 'up',
                               'nimbus-network': 'up',
                               'nimbus-compute': 'up'}, timeout=90)
        _upload_images(env, image_files)
        yield result
    finally:
        try:
            cloud.stop_all()
        finally:
            if request.session.testsfailed > failed_before:
                for name in cloud.processes:
                    print('==== nimbus-%s ====\n%s' % (
                        name, cloud.log(name)[-6000:]))
                print('==== libvirtd ====\n%s' % lv.log('libvirtd'))
            if lv.owns_libvirtd:
                lv.remove_domains()
            shutil.rmtree(instances_path, ignore_errors=True)


def _upload_images(env, image_dir):
    def create(name, path, disk_format, container_format, *props):
        args = ['image', 'create', '--file', path, '--disk-format',
                disk_format, '--container-format', container_format]
        for prop in props:
            args += ['--property', prop]
        return run_openstack(env, *(args + [name]))['id']

    kernel = create('guest-kernel', os.path.join(image_dir, 'vmlinuz'),
                    'aki', 'aki')
    ramdisk = create('guest-ramdisk', os.path.join(image_dir, 'initrd.img'),
                     'ari', 'ari')
    create('guest-ami', os.path.join(image_dir, 'disk.qcow2'), 'qcow2',
           'bare', 'kernel_id=%s' % kernel, 'ramdisk_id=%s' % ramdisk,
           'os_command_line=quiet')
    create('guest-qcow2', os.path.join(image_dir, 'disk.qcow2'), 'qcow2',
           'bare')


def _boot(lvc, name, image, flavor='m1.tiny'):
    server = run_openstack(lvc.env, 'server', 'create', '--image', image,
                           '--flavor', flavor, '--wait', name,
                           timeout=BOOT_TIMEOUT)
    assert server['status'] == 'ACTIVE', server
    return server


def test_kernel_ramdisk_guest_through_its_lifecycle(lvc):
    lv = lvc.lv
    server = _boot(lvc, 'vm1', 'guest-ami')
    uuid = server['id']
    assert lv.domstate(uuid) == 'running'
    lvc.wait_console('vm1')
    xml = lv.virsh('dumpxml', uuid)
    assert '/kernel</kernel>' in xml and 'console=ttyS0 quiet' in xml

    run_openstack(lvc.env, 'server', 'reboot', '--hard', 'vm1')
    lvc.wait_status('vm1', 'ACTIVE')
    lvc.wait_console('vm1', count=2)

    run_openstack(lvc.env, 'server', 'reboot', '--soft', 'vm1')
    lvc.wait_status('vm1', 'ACTIVE')
    text = lvc.wait_console('vm1', count=3)
    assert 'nimbus-guest: powering off' in text  # it was a clean ACPI one

    run_openstack(lvc.env, 'server', 'stop', 'vm1')
    lvc.wait_status('vm1', 'SHUTOFF')
    assert lv.domstate(uuid) == 'shut off'
    run_openstack(lvc.env, 'server', 'start', 'vm1')
    lvc.wait_status('vm1', 'ACTIVE')
    assert lv.domstate(uuid) == 'running'
    lvc.wait_console('vm1', count=4)

    run_openstack(lvc.env, 'server', 'pause', 'vm1')
    lvc.wait_status('vm1', 'PAUSED')
    assert lv.domstate(uuid) == 'paused'
    run_openstack(lvc.env, 'server', 'unpause', 'vm1')
    lvc.wait_status('vm1', 'ACTIVE')
    assert lv.domstate(uuid) == 'running'

    run_openstack(lvc.env, 'server', 'suspend', 'vm1')
    lvc.wait_status('vm1', 'SUSPENDED')
    assert lv.domstate(uuid) == 'shut off'
    assert 'saved' in lv.virsh('domstate', '--reason', uuid)
    run_openstack(lvc.env, 'server', 'resume', 'vm1')
    lvc.wait_status('vm1', 'ACTIVE')
    assert lv.domstate(uuid) == 'running'

    # Snapshot, and a second server booted from it.
    image = run_openstack(lvc.env, 'server', 'image', 'create', '--name',
                          'vm1-snap', '--wait', 'vm1', timeout=180)
    assert image['status'] == 'active', image
    lvc.wait_status('vm1', 'ACTIVE')
    server2 = _boot(lvc, 'vm2', 'vm1-snap')
    lvc.wait_console('vm2')

    for name, server_id in (('vm2', server2['id']), ('vm1', uuid)):
        run_openstack(lvc.env, 'server', 'delete', '--wait', name,
                      json=False, timeout=120)
        lvc.wait_gone(server_id)


def test_qcow2_guest_killed_from_outside_becomes_shutoff(lvc):
    lv = lvc.lv
    server = _boot(lvc, 'vm3', 'guest-qcow2')
    uuid = server['id']
    lvc.wait_console('vm3')
    xml = lv.virsh('dumpxml', uuid)
    assert '<kernel>' not in xml and "<boot dev='hd'/>" in xml
    assert "type='qcow2'" in xml and "bus='virtio'" in xml
    assert 'tap' in xml and lv.bridge in xml

    pid = lv.qemu_pid(lv.virsh('domname', uuid).strip())
    os.kill(pid, signal.SIGKILL)
    # The lifecycle event, not the 600 s periodic sync, brings it along.
    lvc.wait_status('vm3', 'SHUTOFF', timeout=30)
    assert lv.domstate(uuid) == 'shut off'
    time.sleep(2)  # and nothing starts it again
    assert lv.domstate(uuid) == 'shut off'

    run_openstack(lvc.env, 'server', 'start', 'vm3')
    lvc.wait_status('vm3', 'ACTIVE')
    lvc.wait_console('vm3', count=2)
    run_openstack(lvc.env, 'server', 'delete', '--wait', 'vm3', json=False,
                  timeout=120)
    lvc.wait_gone(uuid)


def test_corrupt_image_gives_error_and_leaves_nothing(lvc, tmp_path):
    garbage = tmp_path / 'garbage.qcow2'
    garbage.write_bytes(os.urandom(512 * 1024))
    run_openstack(lvc.env, 'image', 'create', '--file', str(garbage),
                  '--disk-format', 'qcow2', '--container-format', 'bare',
                  'garbage')
    before = set(os.listdir(os.path.join(lvc.instances_path, '_base')))
    result = run_openstack(lvc.env, 'server', 'create', '--image',
                           'garbage', '--flavor', 'm1.tiny', '--wait',
                           'bad', check=False, timeout=BOOT_TIMEOUT)
    assert result.returncode != 0
    server = lvc.server('bad')
    assert server['status'] == 'ERROR'
    assert 'unacceptable' in server['fault']['message'], server['fault']
    assert 'qcow2' in server['fault']['message'], server['fault']
    uuid = server['id']
    assert uuid not in lv_domains(lvc)
    assert not os.path.exists(lvc.instance_dir(uuid))
    after = set(os.listdir(os.path.join(lvc.instances_path, '_base')))
    assert {n for n in after - before if not n.endswith('.lock')} == set()
    run_openstack(lvc.env, 'server', 'delete', '--wait', 'bad', json=False)


def lv_domains(lvc):
    return lvc.lv.domains()


def test_restart_of_compute_during_a_reboot_settles(lvc):
    server = _boot(lvc, 'vm4', 'guest-ami')
    uuid = server['id']
    lvc.wait_console('vm4')
    run_openstack(lvc.env, 'server', 'reboot', '--soft', 'vm4')
    time.sleep(0.5)
    lvc.stop_compute(sig=signal.SIGKILL)
    lvc.start_compute()
    server = lvc.wait_status('vm4', 'ACTIVE', 'ERROR', timeout=120)
    assert server['status'] == 'ACTIVE', server
    assert lvc.lv.domstate(uuid) == 'running'
    run_openstack(lvc.env, 'server', 'delete', '--wait', 'vm4', json=False,
                  timeout=120)
    lvc.wait_gone(uuid)


def _max_memory_kib(lv, uuid):
    for line in lv.virsh('dominfo', uuid).splitlines():
        if line.startswith('Max memory:'):
            return int(line.split()[2])
    raise AssertionError('no Max memory in dominfo')


def test_resize_on_the_same_host(lvc):
    # (Rescue: the Compute API has no rescue action yet; the driver's
    # rescue is tested in test_libvirt_driver.py.)
    lv = lvc.lv
    server = _boot(lvc, 'vm5', 'guest-ami')
    uuid = server['id']
    lvc.wait_console('vm5')
    disk = os.path.join(lvc.instance_dir(uuid), 'disk')

    def disk_gib():
        out = subprocess.run(['qemu-img', 'info', '-U', '--output=json',
                              disk], capture_output=True, text=True,
                             check=True).stdout
        return json.loads(out)['virtual-size'] / 1024 ** 3

    assert disk_gib() == 1  # m1.tiny
    run_openstack(lvc.env, 'server', 'resize', '--flavor', 'm1.small',
                  '--wait', 'vm5', json=False, timeout=180)
    lvc.wait_status('vm5', 'VERIFY_RESIZE')
    assert _max_memory_kib(lv, uuid) == 2048 * 1024
    assert disk_gib() == 20
    assert lv.domstate(uuid) == 'running'
    lvc.wait_console('vm5', count=2)
    run_openstack(lvc.env, 'server', 'resize', 'revert', 'vm5')
    lvc.wait_status('vm5', 'ACTIVE')
    assert _max_memory_kib(lv, uuid) == 512 * 1024
    assert disk_gib() == 1
    run_openstack(lvc.env, 'server', 'resize', '--flavor', 'm1.small',
                  '--wait', 'vm5', json=False, timeout=180)
    lvc.wait_status('vm5', 'VERIFY_RESIZE')
    run_openstack(lvc.env, 'server', 'resize', 'confirm', 'vm5')
    lvc.wait_status('vm5', 'ACTIVE')
    assert _max_memory_kib(lv, uuid) == 2048 * 1024
    assert not os.path.exists(disk + '.pre-resize')
    run_openstack(lvc.env, 'server', 'delete', '--wait', 'vm5', json=False,
                  timeout=120)
    lvc.wait_gone(uuid)
