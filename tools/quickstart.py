"""The quick start: every nimbus service in one process (nimbus-all), then
the first steps a new operator takes, done for them — default flavors, a
network, an image, and a first server booted through the Compute API.

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


def first_steps(config, compute, image):
    _manage(config, 'flavor', 'create-defaults')
    if '10.0.0.0/24' not in _manage(config, 'network', 'list'):
        _manage(config, 'network', 'create', '--label', 'private',
                '--fixed_range_v4', '10.0.0.0/24', '--bridge', 'br100')
        _say('network private 10.0.0.0/24 on br100 created')
    images = _request('GET', image + '/v2/images?name=quickstart')['images']
    if images:
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
    return server['status'] == 'ACTIVE'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--state-path', default='/var/lib/nimbus')
    parser.add_argument('--api-port', type=int, default=8774)
    parser.add_argument('--image-port', type=int, default=9292)
    parser.add_argument('--metadata-port', type=int, default=8775)
    args = parser.parse_args()
    os.makedirs(args.state_path, exist_ok=True)
    config = os.path.join(args.state_path, 'quickstart.conf')
    with open(config, 'w') as conf:
        conf.write('[DEFAULT]\nstate_path = %s\n'
                   'osapi_compute_listen = 127.0.0.1\n'
                   'osapi_compute_listen_port = %d\n'
                   'image_listen = 127.0.0.1\nimage_listen_port = %d\n'
                   'metadata_listen = 127.0.0.1\nmetadata_listen_port = %d\n'
                   '[glance]\napi_servers = http://127.0.0.1:%d\n'
                   % (args.state_path, args.api_port, args.image_port,
                      args.metadata_port, args.image_port))
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
        ok = first_steps(config, compute, image)
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
