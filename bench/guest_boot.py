"""Guest boot through nimbus vs bare QEMU, in one run.

bare:   bench/qemu_boot.bare_boot_seconds: exec of QEMU -> "nimbus-guest:
        booted" on the serial console (direct kernel boot, 128 MB, TCG).
nimbus: separate daemons (api, conductor, scheduler, network over
        RabbitMQ and MariaDB; nimbus-compute with the libvirt driver, QEMU
        TCG, inside a network namespace with its own libvirtd), the same
        image registered as kernel + ramdisk + disk, a 128 MB flavor:
        POST /servers -> "nimbus-guest: booted" in the instance's
        console.log; also POST -> ACTIVE and DELETE -> gone (404, no
        domain, no instance directory).

The first nimbus boot fills the image cache and is not counted. Medians
over --runs (default 5) boots each; the target is that nimbus adds at most
0.5 s to the bare boot.

    .venv/bin/python bench/guest_boot.py [--runs 5]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time

import requests

import _common  # noqa: F401  (puts the repository on sys.path)
from bench import qemu_boot
from tests import guest_image
from tests.integration import backends
from tests.integration import daemons
from tests.integration import libvirt_env

TARGET_OVERHEAD_S = 0.5
TOKEN = {'X-Auth-Token': 'admin:admin',
         'X-OpenStack-Nova-API-Version': '2.37'}
POLL = 0.005


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(POLL)
    raise RuntimeError('%s: not within %ss' % (what, timeout))


class NimbusCloud:
    def __init__(self, workdir, lv, rabbit_url, db_url):
        self.lv = lv
        self.rabbit_url = rabbit_url
        self.instances_path = libvirt_env.instances_dir()
        self.cloud = daemons.Cloud(os.path.join(workdir, 'nimbus'),
                                   rabbit_url, db_url, host='benchnode')
        self.cloud.add_config(
            '[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n'
            'instances_path = %s\nimage_cache_manager_interval = 0\n'
            '[libvirt]\nvirt_type = qemu\n[api]\nauth_strategy = noauth2\n'
            % self.instances_path)
        self.api = 'http://127.0.0.1:%d/v2.1' % self.cloud.api_port
        self.image_api = 'http://127.0.0.1:%d' % self.cloud.image_port
        self.http = requests.Session()
        self.http.headers.update(TOKEN)

    def setup(self, image_dir):
        c, lv, rabbit_url = self.cloud, self.lv, self.rabbit_url
        c.manage('db', 'sync')
        c.manage('flavor', 'create', '--name', 'bench', '--memory', '128',
                 '--cpu', '1', '--root_gb', '0', '--flavor', '100')
        c.manage('network', 'create', '--label', 'private',
                 '--fixed_range_v4', '10.0.0.0/24', '--bridge', lv.bridge)
        lv.relay(int(rabbit_url.split('@', 1)[1].split('/')[0]
                     .split(':')[1]))
        lv.relay(c.image_port)
        for daemon in ('conductor', 'network', 'scheduler', 'api'):
            c.start(daemon)
        c.start('compute', wrap=lv.wrap)
        c.wait_for_states({'nimbus-api': 'up', 'nimbus-compute': 'up',
                           'nimbus-scheduler': 'up',
                           'nimbus-network': 'up'}, timeout=90)
        self.image_id = self._register(image_dir)

    def _upload(self, name, path, disk_format, container_format, **props):
        body = dict(name=name, disk_format=disk_format,
                    container_format=container_format, **props)
        resp = self.http.post(self.image_api + '/v2/images', json=body)
        if resp.status_code != 201:
            raise RuntimeError('image create: %s %s' % (resp.status_code,
                                                        resp.text))
        image = resp.json()
        with open(path, 'rb') as data:
            resp = self.http.put(
                '%s/v2/images/%s/file' % (self.image_api, image['id']),
                data=data,
                headers={'Content-Type': 'application/octet-stream'})
        resp.raise_for_status()
        return image['id']

    def _register(self, image_dir):
        kernel = self._upload('kernel', os.path.join(image_dir, 'vmlinuz'),
                              'aki', 'aki')
        ramdisk = self._upload('ramdisk',
                               os.path.join(image_dir, 'initrd.img'),
                               'ari', 'ari')
        return self._upload('guest', os.path.join(image_dir, 'disk.qcow2'),
                            'qcow2', 'bare', kernel_id=kernel,
                            ramdisk_id=ramdisk, os_command_line='quiet')

    def _status(self, server_id):
        resp = self.http.get('%s/servers/%s' % (self.api, server_id))
        if resp.status_code == 404:
            return None
        return resp.json()['server']['status']

    def boot_once(self):
        """(POST->booted, POST->ACTIVE, DELETE->gone) in seconds."""
        began = time.monotonic()
        self.last_post = time.time()
        resp = self.http.post(self.api + '/servers', json={'server': {
            'name': 'bench', 'imageRef': self.image_id, 'flavorRef': '100',
            'networks': 'auto'}})
        resp.raise_for_status()
        server_id = resp.json()['server']['id']
        name = self.http.get('%s/servers/%s' % (self.api, server_id)).json()[
            'server']['OS-EXT-SRV-ATTR:instance_name']
        pidfile = '/run/libvirt/qemu/%s.pid' % name
        active = {}

        def watch_active():
            try:
                _wait(lambda: self._status(server_id) in ('ACTIVE', 'ERROR'),
                      120, 'ACTIVE')
                active['at'] = time.monotonic()
            except Exception as exc:
                active['error'] = exc

        watcher = threading.Thread(target=watch_active)
        watcher.start()
        log = os.path.join(self.instances_path, server_id, 'console.log')

        def booted():
            try:
                with open(log, errors='replace') as f:
                    return guest_image.MARKER_BOOTED in f.read()
            except FileNotFoundError:
                return False

        _wait(lambda: os.path.exists(pidfile), 120, 'QEMU started')
        started_at = time.monotonic()
        _wait(booted, 120, 'console marker')
        booted_at = time.monotonic()
        watcher.join()
        if 'error' in active:
            raise active['error']
        if self._status(server_id) != 'ACTIVE':
            raise RuntimeError('server went %s' % self._status(server_id))
        deleting = time.monotonic()
        self.http.delete('%s/servers/%s' % (self.api, server_id))
        inst_dir = os.path.join(self.instances_path, server_id)
        _wait(lambda: self._status(server_id) is None and
              not os.path.exists(inst_dir), 120, 'deleted')
        gone = time.monotonic()
        if server_id in self.lv.domains():
            raise RuntimeError('domain of %s left behind' % server_id)
        return (booted_at - began, active['at'] - began, gone - deleting,
                started_at - began)

    def close(self):
        try:
            self.cloud.stop_all()
        finally:
            shutil.rmtree(self.instances_path, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--keep', action='store_true',
                        help='keep the work directory (daemon logs)')
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix='nimbus-bench-guest-')
    image_dir = guest_image.build_image(os.path.join(workdir, 'image')).path
    bare = []
    booted, active, deleted, started = [], [], [], []
    try:
        with backends.rabbit_vhost() as rabbit_url, \
                backends.mysql_database() as db_url, \
                libvirt_env.LibvirtEnv(os.path.join(workdir, 'lv')) as lv:
            cloud = NimbusCloud(workdir, lv, rabbit_url, db_url)
            try:
                cloud.setup(image_dir)
                cloud.boot_once()  # fills the image cache
                # Interleaved, so that both see the same machine load.
                for _ in range(args.runs):
                    bare.append(qemu_boot.bare_boot_seconds(image_dir))
                    b, a, d, q = cloud.boot_once()
                    started.append(q)
                    booted.append(b)
                    active.append(a)
                    deleted.append(d)
            finally:
                cloud.close()
    finally:
        if args.keep:
            print('logs in %s' % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    med = statistics.median
    overhead = med(booted) - med(bare)
    print('guest boot to "%s" (TCG, 128 MB, direct kernel boot), medians '
          'of %d runs:' % (guest_image.MARKER_BOOTED, args.runs))
    print('  bare QEMU (exec -> marker)          %.2f s   (%s)' % (
        med(bare), ' '.join('%.2f' % s for s in bare)))
    print('  nimbus (POST /servers -> marker)    %.2f s   (%s)' % (
        med(booted), ' '.join('%.2f' % s for s in booted)))
    print('  nimbus overhead                     %+.2f s   target <= '
          '%.1f s: %s' % (overhead, TARGET_OVERHEAD_S,
                          'met' if overhead <= TARGET_OVERHEAD_S
                          else 'MISSED'))
    print('    of which POST -> QEMU started     %.2f s   (nimbus and '
          'libvirt before the guest runs)' % med(started))
    print('    QEMU started -> marker            %.2f s   (bare: %.2f s)' % (
        med([b - q for b, q in zip(booted, started)]), med(bare)))
    print('  nimbus POST /servers -> ACTIVE      %.2f s' % med(active))
    print('  nimbus DELETE -> gone               %.2f s' % med(deleted))
    print('  (load average %.1f)' % os.getloadavg()[0])
    return 0


if __name__ == '__main__':
    sys.exit(main())
