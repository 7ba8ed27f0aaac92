"""The quick start: every nimbus service in one process (nimbus-all), then
the first steps a new operator takes, done for them — default flavors, a
network, an image, and a first server booted through the Compute API.

As root on a machine with libvirt and QEMU, the server is a real guest:
the quick start starts virtlogd and libvirtd when they are not running
(and stops those it started when it ends; guests keep running, as they do
when nova-compute stops), creates the bridge br100 when missing, builds
the test guest image (tools/build-guest-image), registers it as kernel +
ramdisk + disk, and boots it with the libvirt driver (QEMU, software
emulation) until "nimbus-guest: booted" shows on its console. Elsewhere
(not root, no libvirt, or a state path the QEMU user cannot reach) it
says why and uses the fake driver. ``--virt fake|libvirt`` chooses.

Runs in the foreground until Ctrl-C (or SIGTERM), then stops nimbus-all.
The state (SQLite database, images, instances) stays in the state
directory, so a second run finds the same cloud.

    tools/quickstart                      # as root: state in /var/lib/nimbus
    tools/quickstart --state-path DIR --api-port 8774 --image-port 9292 \
                     --metadata-port 8775
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

BIN = os.path.dirname(os.path.abspath(sys.executable))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BRIDGE = 'br100'
BOOTED = 'nimbus-guest: booted'
TOKEN = 'admin:admin'  # nimbus-all authenticates with noauth2


def _request(method, url, body=None, data=None, content_type=None):
    headers = {'X-Auth-Token': TOKEN,
               'X-OpenStack-Nova-API-Version': '2.37'}
    if body is not None:
        data = json.dumps(body).encode()
        content_type = 'application/json'
    if content_type:
        headers['Content-Type'] = content_type
    req = urllib.request.Request(url, data=data, method=method,
                                 headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None


def _wait_for(url, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit('quickstart: nimbus-all exited with %s' % proc.returncode)
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    sys.exit('quickstart: %s did not answer within %ss' % (url, timeout))


def _manage(config, *args):
    result = subprocess.run([os.path.join(BIN, 'nimbus-manage'),
                             '--config-file', config] + list(args),
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit('quickstart: nimbus-manage %s failed: %s'
                 % (' '.join(args), result.stderr.strip()))
    return result.stdout


def _say(text):
    print('quickstart: ' + text, flush=True)


def _wait_for_server(compute, server_id,
                     statuses=('ACTIVE', 'ERROR', 'SHUTOFF'), timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        server = _request('GET', '%s/servers/%s' % (compute,
                                                    server_id))['server']
        if server['status'] in statuses or time.monotonic() > deadline:
            return server
        time.sleep(0.2)


# Real guests -------------------------------------------------------------

def _which(name):
    for d in os.environ.get('PATH', '').split(os.pathsep) + [
            '/usr/sbin', '/sbin']:
        path = os.path.join(d, name)
        if os.access(path, os.X_OK):
            return path
    return None


def _reachable_by_all(path):
    """Whether every directory up to ``path`` lets others through (the
    QEMU user must reach the instance files)."""
    path = os.path.abspath(path)
    while True:
        if os.path.exists(path) and not os.stat(path).st_mode & 0o001:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def libvirt_unusable(state_path):
    """Why the libvirt driver cannot be used here, or None."""
    if os.geteuid() != 0:
        return 'not root'
    for tool in ('libvirtd', 'virtlogd', 'virsh', 'qemu-system-x86_64',
                 'qemu-img', 'ip'):
        if not _which(tool):
            return '%s is not installed (tools/setup.sh installs it)' % tool
    try:
        import libvirt  # noqa: F401
    except ImportError:
        return 'libvirt-python is missing from the virtualenv'
    if not _reachable_by_all(state_path):
        return ('the QEMU user cannot reach %s (a parent directory is '
                'closed to others); use another --state-path' % state_path)
    return None


def _libvirtd_answers():
    return subprocess.run(['virsh', '-c', 'qemu:///system', 'version'],
                          capture_output=True).returncode == 0


class Hypervisor:
    """libvirtd + virtlogd (started here when they were not running) and
    the bridge of the quick start's network."""

    def __init__(self, state_path):
        self.state_path = state_path
        self.started = []

    def start(self):
        if not _libvirtd_answers():
            logs = os.path.join(self.state_path, 'log')
            os.makedirs(logs, exist_ok=True)
            for daemon in ('virtlogd', 'libvirtd'):
                with open(os.path.join(logs, daemon + '.log'), 'ab') as log:
                    self.started.append(subprocess.Popen(
                        [_which(daemon)], stdout=log,
                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                        start_new_session=True))
                _say('%s started (pid %d)' % (daemon,
                                              self.started[-1].pid))
            deadline = time.monotonic() + 60
            while not _libvirtd_answers():
                if time.monotonic() > deadline or any(
                        p.poll() is not None for p in self.started):
                    self.stop()
                    sys.exit('quickstart: libvirtd did not start; see %s'
                             % logs)
                time.sleep(0.2)
        else:
            _say('libvirtd is running; using it')
        if subprocess.run(['ip', 'link', 'show', BRIDGE],
                          capture_output=True).returncode != 0:
            # The fake network driver of nimbus-all makes no bridge; the
            # guest's tap needs one. No address, no uplink: guests see
            # only each other.
            subprocess.run(['ip', 'link', 'add', BRIDGE, 'type', 'bridge'],
                           check=True)
            _say('bridge %s created' % BRIDGE)
        subprocess.run(['ip', 'link', 'set', BRIDGE, 'up'], check=True)

    def stop(self):
        for proc in reversed(self.started):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.started = []


def build_guest_image(state_path):
    out = os.path.join(state_path, 'guest-image')
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, 'tools', 'build-guest-image'),
         '--output', out], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit('quickstart: building the guest image failed: %s'
                 % (result.stderr.strip() or result.stdout.strip()))
    _say('guest image: %s' % result.stdout.strip())
    return out


def _upload(image, name, path, disk_format, container_format, **props):
    found = _request('GET', image + '/v2/images?name=' + name)['images']
    if found:
        return found[0]['id']
    created = _request('POST', image + '/v2/images', body=dict(
        name=name, disk_format=disk_format,
        container_format=container_format, visibility='public', **props))
    with open(path, 'rb') as data:
        _request('PUT', '%s/v2/images/%s/file' % (image, created['id']),
                 data=data.read(), content_type='application/octet-stream')
    _say('image %s uploaded (%s)' % (name, created['id']))
    return created['id']


def register_guest_image(image, image_dir):
    kernel = _upload(image, 'quickstart-kernel',
                     os.path.join(image_dir, 'vmlinuz'), 'aki', 'aki')
    ramdisk = _upload(image, 'quickstart-ramdisk',
                      os.path.join(image_dir, 'initrd.img'), 'ari', 'ari')
    return _upload(image, 'quickstart-guest',
                   os.path.join(image_dir, 'disk.qcow2'), 'qcow2', 'bare',
                   kernel_id=kernel, ramdisk_id=ramdisk)


def wait_for_console(compute, server_id, marker=BOOTED, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        output = _request('POST', '%s/servers/%s/action' % (
            compute, server_id), body={'os-getConsoleOutput': {}})['output']
        if marker in output:
            return True
        time.sleep(1)
    return False


def first_steps(config, compute, image, image_dir=None):
    _manage(config, 'flavor', 'create-defaults')
    if '10.0.0.0/24' not in _manage(config, 'network', 'list'):
        _manage(config, 'network', 'create', '--label', 'private',
                '--fixed_range_v4', '10.0.0.0/24', '--bridge', 'br100')
        _say('network private 10.0.0.0/24 on br100 created')
    images = _request('GET', image + '/v2/images?name=quickstart')['images']
    if image_dir is not None:
        image_id = register_guest_image(image, image_dir)
    elif images:
        image_id = images[0]['id']
    else:
        created = _request('POST', image + '/v2/images', body={
            'name': 'quickstart', 'disk_format': 'raw',
            'container_format': 'bare', 'visibility': 'public'})
        image_id = created['id']
        _request('PUT', '%s/v2/images/%s/file' % (image, image_id),
                 data=b'\0' * 65536, content_type='application/octet-stream')
        _say('image quickstart uploaded (%s)' % image_id)
    servers = _request('GET', compute + '/servers?name=^quickstart$')
    if servers['servers']:
        server_id = servers['servers'][0]['id']
    else:
        server_id = _request('POST', compute + '/servers', body={'server': {
            'name': 'quickstart', 'imageRef': image_id, 'flavorRef': '1',
            'networks': 'auto'}})['server']['id']
        _say('server quickstart requested (%s)' % server_id)
    server = _wait_for_server(compute, server_id)
    if server['status'] == 'SHUTOFF':
        # Found stopped (after a restart of the host, say): start it.
        _request('POST', '%s/servers/%s/action' % (compute, server_id),
                 body={'os-start': None})
        _say('server quickstart was SHUTOFF; starting it')
        server = _wait_for_server(compute, server_id, ('ACTIVE', 'ERROR'))
    addresses = ', '.join(a['addr'] for nets in server['addresses'].values()
                          for a in nets)
    _say('server quickstart is %s on host %s, addresses: %s' % (
        server['status'], server.get('OS-EXT-SRV-ATTR:host'),
        addresses or '-'))
    if image_dir is not None and server['status'] == 'ACTIVE':
        if wait_for_console(compute, server_id):
            _say('server quickstart: "%s" on its console (openstack '
                 'console log show quickstart)' % BOOTED)
        else:
            _say('server quickstart: no "%s" on its console yet' % BOOTED)
            return False
    return server['status'] == 'ACTIVE'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--state-path', default='/var/lib/nimbus')
    parser.add_argument('--api-port', type=int, default=8774)
    parser.add_argument('--image-port', type=int, default=9292)
    parser.add_argument('--metadata-port', type=int, default=8775)
    parser.add_argument('--virt', choices=('auto', 'libvirt', 'fake'),
                        default='auto',
                        help='libvirt: real guests (root, libvirt, QEMU); '
                             'fake: guests in memory; auto: libvirt where '
                             'it can run')
    args = parser.parse_args()
    os.makedirs(args.state_path, exist_ok=True)
    state_path = os.path.abspath(args.state_path)
    config = os.path.join(args.state_path, 'quickstart.conf')
    use_libvirt = False
    if args.virt != 'fake':
        why = libvirt_unusable(state_path)
        if why is None:
            use_libvirt = True
        elif args.virt == 'libvirt':
            sys.exit('quickstart: cannot use libvirt: %s' % why)
        else:
            _say('libvirt cannot be used (%s): the fake driver runs the '
                 'guests' % why)
    with open(config, 'w') as conf:
        conf.write('[DEFAULT]\nstate_path = %s\n'
                   'osapi_compute_listen = 127.0.0.1\n'
                   'osapi_compute_listen_port = %d\n'
                   'image_listen = 127.0.0.1\nimage_listen_port = %d\n'
                   'metadata_listen = 127.0.0.1\nmetadata_listen_port = %d\n'
                   '[glance]\napi_servers = http://127.0.0.1:%d\n'
                   % (args.state_path, args.api_port, args.image_port,
                      args.metadata_port, args.image_port))
        if use_libvirt:
            conf.write('[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n'
                       'instances_path = %s\n'
                       '[libvirt]\nvirt_type = qemu\n'
                       % os.path.join(state_path, 'instances'))
    hypervisor = image_dir = None
    if use_libvirt:
        image_dir = build_guest_image(state_path)
        hypervisor = Hypervisor(state_path)
        hypervisor.start()
    try:
        return _run(args, config, image_dir)
    finally:
        if hypervisor is not None:
            hypervisor.stop()


def _run(args, config, image_dir):
    log_file = os.path.join(args.state_path, 'nimbus-all.log')
    _say('starting nimbus-all (log: %s)' % log_file)
    with open(log_file, 'ab') as log:
        proc = subprocess.Popen([os.path.join(BIN, 'nimbus-all'),
                                 '--config-file', config],
                                stdout=log, stderr=subprocess.STDOUT)

    def forward(signum, frame):
        # Only pass it on: the main thread's proc.wait() sees the exit.
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    def stop():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    compute = 'http://127.0.0.1:%d/v2.1' % args.api_port
    image = 'http://127.0.0.1:%d' % args.image_port
    try:
        _wait_for('http://127.0.0.1:%d/' % args.api_port, proc)
        _wait_for(image + '/versions', proc)
        ok = first_steps(config, compute, image, image_dir)
    except (urllib.error.URLError, OSError) as exc:
        if proc.poll() is not None:  # stopped while we were setting up
            _say('nimbus-all stopped (exit status %s)' % proc.returncode)
            return proc.returncode
        _say('setting up the first server failed: %s' % exc)
        stop()
        return 1
    except SystemExit:
        stop()
        raise
    _say('nimbus is running: Compute API %s, image API %s, '
         'X-Auth-Token: %s. Ctrl-C stops it.' % (compute, image, TOKEN))
    if not ok:
        _say('the first server did not become ACTIVE; see the log')
    proc.wait()
    _say('nimbus-all stopped (exit status %s)' % proc.returncode)
    return proc.returncode


if __name__ == '__main__':
    sys.exit(main())
