"""Servers through the REST API with the fake driver, separate daemons over
RabbitMQ + MariaDB (two compute hosts):

* boot+delete of N servers at concurrency C: throughput, POST→ACTIVE and
  DELETE→gone p50/p95 (targets: ≥ 10 boot+delete/s, POST→ACTIVE p95 ≤ 0.5 s);
* GET /servers/{id} p50 (target ≤ 10 ms) and GET /servers/detail with
  1,000 servers (target ≤ 200 ms).
"""

import argparse
import concurrent.futures
import json
import os
import tempfile
import time

import requests

import _common
from tests.integration import backends
from tests.integration import daemons

TOKEN = {'X-Auth-Token': 'bench:bench',
         'X-OpenStack-Nova-API-Version': '2.37'}


class Bench:
    def __init__(self, cloud, image_port):
        self.api = 'http://127.0.0.1:%d/v2.1' % cloud.api_port
        self.image_api = 'http://127.0.0.1:%d' % image_port
        self.session = requests.Session()

    def upload_image(self):
        headers = dict(TOKEN, **{'Content-Type': 'application/json'})
        resp = requests.post(self.image_api + '/v2/images', headers=headers,
                             data=json.dumps({'name': 'bench',
                                              'disk_format': 'qcow2',
                                              'container_format': 'bare'}))
        resp.raise_for_status()
        image_id = resp.json()['id']
        resp = requests.put(
            self.image_api + '/v2/images/%s/file' % image_id,
            headers=dict(TOKEN, **{'Content-Type':
                                   'application/octet-stream'}),
            data=b'\0' * 1024)
        resp.raise_for_status()
        self.image_id = image_id

    def boot(self, session, name, count=1):
        body = {'server': {'name': name, 'imageRef': self.image_id,
                           'flavorRef': '1', 'networks': 'auto',
                           'min_count': count, 'max_count': count}}
        resp = session.post(self.api + '/servers', headers=TOKEN, json=body)
        if resp.status_code != 202:
            raise RuntimeError('boot: %s %s' % (resp.status_code, resp.text))
        return resp.json()['server']['id']

    def wait(self, session, server_id, status, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            resp = session.get(self.api + '/servers/' + server_id,
                               headers=TOKEN)
            if resp.status_code == 404:
                if status is None:
                    return
            else:
                current = resp.json()['server']['status']
                if current == status:
                    return
                if current == 'ERROR':
                    raise RuntimeError('server %s ERROR: %s' % (
                        server_id, resp.json()['server'].get('fault')))
            time.sleep(0.01)
        raise RuntimeError('server %s not %s in %ss' % (server_id, status,
                                                        timeout))

    def boot_delete(self, index):
        session = requests.Session()
        began = time.perf_counter()
        server_id = self.boot(session, 'bd-%d' % index)
        self.wait(session, server_id, 'ACTIVE')
        active = time.perf_counter() - began
        began = time.perf_counter()
        resp = session.delete(self.api + '/servers/' + server_id,
                              headers=TOKEN)
        if resp.status_code != 204:
            raise RuntimeError('delete: %s' % resp.text)
        self.wait(session, server_id, None)
        return active * 1000, (time.perf_counter() - began) * 1000


def run(args):
    with backends.rabbit_vhost() as rabbit, \
            backends.mysql_database() as db, \
            tempfile.TemporaryDirectory() as work:
        cloud = daemons.Cloud(work, rabbit, db)
        image_port = cloud.image_port
        cloud.add_config(
            '[DEFAULT]\ncompute_driver = fake.FakeDriver\n'
            'periodic_interval = 60\n'
            '[api]\nauth_strategy = noauth2\n'
            '[quota]\ninstances = -1\ncores = -1\nram = -1\n'
            '[database]\nmax_pool_size = 20\nmax_overflow = 20\n')
        cloud.manage('db', 'sync')
        cloud.manage('flavor', 'create-defaults')
        cloud.manage('network', 'create', '--label', 'private',
                     '--fixed_range_v4', '10.0.0.0/20')
        try:
            cloud.start('conductor')
            cloud.start('network')
            for host in ('compute1', 'compute2'):
                cloud.start('compute', host=host)
            cloud.start('scheduler')
            cloud.start('api')
            cloud.wait_for_states({'nimbus-' + d: 'up' for d in (
                'api', 'scheduler', 'conductor', 'network')}, timeout=90)
            time.sleep(2)
            bench = Bench(cloud, image_port)
            bench.upload_image()
            bench.boot_delete(-1)  # warm up every path once

            cpu_before = {name: _common.cpu_seconds(proc.pid)
                          for name, proc in cloud.processes.items()}
            began = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(
                    args.concurrency) as pool:
                results = list(pool.map(bench.boot_delete,
                                        range(args.servers)))
            took = time.perf_counter() - began
            active = [r[0] for r in results]
            gone = [r[1] for r in results]
            print('boot+delete %d servers at concurrency %d: %.1f s, '
                  '%.1f boot+delete/s (target >= 10)'
                  % (args.servers, args.concurrency, took,
                     args.servers / took))
            print('  POST -> ACTIVE: %s (target p95 <= 500 ms)'
                  % _common.summary(active))
            print('  DELETE -> gone: %s' % _common.summary(gone))
            print('  CPU ms per boot+delete (each daemon, from /proc): %s'
                  % ', '.join('%s %.1f' % (
                      name, (_common.cpu_seconds(proc.pid) -
                             cpu_before[name]) * 1000 / args.servers)
                      for name, proc in sorted(cloud.processes.items())))

            session = requests.Session()
            server_id = bench.boot(session, 'one')
            bench.wait(session, server_id, 'ACTIVE')
            samples = []
            for _ in range(300):
                t = time.perf_counter()
                resp = session.get(bench.api + '/servers/' + server_id,
                                   headers=TOKEN)
                samples.append((time.perf_counter() - t) * 1000)
                assert resp.status_code == 200
            print('GET /servers/{id}: %s (target p50 <= 10 ms)'
                  % _common.summary(samples))

            if args.skip_detail:
                return
            for batch in range(args.detail_servers // 50):
                last = bench.boot(session, 'many-%d' % batch, count=50)
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                resp = session.get(bench.api + '/servers/detail?limit=1000'
                                   '&status=BUILD', headers=TOKEN)
                if not resp.json()['servers']:
                    break
                time.sleep(1)
            del last
            samples = []
            count = 0
            for _ in range(20):
                t = time.perf_counter()
                resp = session.get(bench.api + '/servers/detail?limit=1000',
                                   headers=TOKEN)
                samples.append((time.perf_counter() - t) * 1000)
                count = len(resp.json()['servers'])
            print('GET /servers/detail with %d servers: %s (target <= 200 '
                  'ms)' % (count, _common.summary(samples)))
        finally:
            cloud.stop_all()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--servers', type=int, default=200)
    parser.add_argument('--concurrency', type=int, default=10)
    parser.add_argument('--detail-servers', type=int, default=1000)
    parser.add_argument('--skip-detail', action='store_true',
                        help='skip booting the servers of the detail '
                             'measure')
    run(parser.parse_args())


if __name__ == '__main__':
    os.environ.setdefault('PYTHONWARNINGS', 'ignore')
    main()
