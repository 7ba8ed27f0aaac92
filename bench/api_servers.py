"""Servers through the REST API with the fake driver, separate daemons over
RabbitMQ + MariaDB (two compute hosts):

* boot+delete of N servers at concurrency C: throughput, POST→ACTIVE and
  DELETE→gone p50/p95 (targets: ≥ 10 boot+delete/s, POST→ACTIVE p95 ≤ 0.5 s);
* GET /servers/{id} p50 (target ≤ 10 ms) and GET /servers/detail with
  1,000 servers (target ≤ 200 ms).
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import requests

import _common
from tests.integration import backends
from tests.integration import daemons

TOKEN = {'X-Auth-Token': 'bench:bench',
         'X-OpenStack-Nova-API-Version': '2.37'}


def _session():
    """A requests session that does not look up proxies and ~/.netrc in
    the environment at every request (a tenth of this process's CPU)."""
    session = requests.Session()
    session.trust_env = False
    return session


class _Counter:
    """A count that threads may add to (``+=`` on an attribute can lose
    an update between its read and its write)."""

    def __init__(self):
        self.value = 0
        self._lock = threading.Lock()

    def add(self):
        with self._lock:
            self.value += 1


class Watcher:
    """One thread that waits for the servers of all the clients: while
    anyone waits, it lists ``GET /servers/detail?changes-since=<t>`` at
    most every ``interval`` seconds (t: the start of its previous list,
    less ``margin`` for the changes whose transaction commits a moment
    after their updated_at) and wakes the clients whose server reached
    its status (DELETED: gone).  A client that heard nothing for
    ``fallback`` seconds asks for its server itself, in case a change was
    missed."""

    def __init__(self, api, interval=0.02, margin=0.15, fallback=1.0):
        self.api = api
        self.interval = interval
        self.margin = margin
        self.fallback = fallback
        self.session = _session()
        # One lock: the watcher's condition (someone waits) and one
        # condition per waiting client, woken only when its server was
        # listed (waking all ten at every list was a fifth of this
        # process's CPU, profiled).
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        # server id -> [wanted status, server as last listed, condition]
        self.waiting = {}
        self._requests = _Counter()
        self.fallbacks = _Counter()     # a client asked itself
        self.stopped = False
        self.since = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def stop(self):
        with self.cond:
            self.stopped = True
            self.cond.notify_all()
        self.thread.join()

    def _run(self):
        while True:
            with self.cond:
                while not self.waiting and not self.stopped:
                    self.cond.wait()
                if self.stopped:
                    return
            began = time.monotonic()
            now = datetime.datetime.now(datetime.timezone.utc)
            since = (self.since or now) - datetime.timedelta(
                seconds=self.margin)
            try:
                resp = self.session.get(
                    self.api + '/servers/detail?limit=1000&changes-since='
                    + urllib.parse.quote(since.isoformat()), headers=TOKEN)
                self._requests.add()
                resp.raise_for_status()
                servers = resp.json()['servers']
            except Exception:
                servers = []
            else:
                self.since = now
            with self.cond:
                for server in servers:
                    entry = self.waiting.get(server['id'])
                    if entry is not None:
                        entry[1] = server
                        entry[2].notify()
            time.sleep(max(0.0, self.interval - (time.monotonic() - began)))

    def wait(self, session, server_id, status, timeout=60):
        """Until the server is ``status`` (None: gone)."""
        wanted = status or 'DELETED'
        deadline = time.monotonic() + timeout
        with self.cond:
            if not self.waiting:
                # Idle until now: list from here on (less the margin).
                self.since = datetime.datetime.now(datetime.timezone.utc)
            entry = self.waiting[server_id] = [
                wanted, None, threading.Condition(self.lock)]
            self.cond.notify_all()
            try:
                asked = time.monotonic()
                while True:
                    server = entry[1]
                    if server is not None:
                        entry[1] = None
                        asked = time.monotonic()
                        if server['status'] == wanted:
                            return
                        if server['status'] == 'ERROR':
                            raise RuntimeError('server %s ERROR: %s' % (
                                server_id, server.get('fault')))
                    now = time.monotonic()
                    if now >= deadline:
                        raise RuntimeError('server %s not %s in %ss' % (
                            server_id, status, timeout))
                    if now - asked >= self.fallback:
                        self.fallbacks.add()
                        self.cond.release()
                        try:
                            resp = session.get(
                                self.api + '/servers/' + server_id,
                                headers=TOKEN)
                        finally:
                            self.cond.acquire()
                        self._requests.add()
                        asked = time.monotonic()
                        if resp.status_code == 404:
                            if status is None:
                                return
                        else:
                            entry[1] = resp.json()['server']
                        continue
                    entry[2].wait(min(deadline, asked + self.fallback)
                                  - now)
            finally:
                del self.waiting[server_id]


class Bench:
    def __init__(self, cloud, image_port, poll='watcher',
                 watch_interval=0.02):
        self.api = 'http://127.0.0.1:%d/v2.1' % cloud.api_port
        self.image_api = 'http://127.0.0.1:%d' % image_port
        self.session = _session()
        self.poll = poll
        self._requests = _Counter()  # POST, DELETE, per-server GETs
        # server id -> wall-clock (POST sent, POST answered, seen ACTIVE)
        self.moments = {}
        self.watcher = (Watcher(self.api, interval=watch_interval)
                        if poll == 'watcher' else None)

    def api_requests(self):
        return self._requests.value + (
            self.watcher._requests.value if self.watcher else 0)

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
        self._requests.add()
        if resp.status_code != 202:
            raise RuntimeError('boot: %s %s' % (resp.status_code, resp.text))
        return resp.json()['server']['id']

    def wait(self, session, server_id, status, timeout=60):
        if self.watcher is not None:
            return self.watcher.wait(session, server_id, status, timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            resp = session.get(self.api + '/servers/' + server_id,
                               headers=TOKEN)
            self._requests.add()
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
        session = _session()
        sent = time.time()
        began = time.perf_counter()
        server_id = self.boot(session, 'bd-%d' % index)
        answered = time.time()
        self.wait(session, server_id, 'ACTIVE')
        active = time.perf_counter() - began
        self.moments[server_id] = (sent, answered, sent + active)
        began = time.perf_counter()
        resp = session.delete(self.api + '/servers/' + server_id,
                              headers=TOKEN)
        self._requests.add()
        if resp.status_code != 204:
            raise RuntimeError('delete: %s' % resp.text)
        self.wait(session, server_id, None)
        return active * 1000, (time.perf_counter() - began) * 1000


def run(args):
    with backends.rabbit_vhost() as rabbit, \
            backends.mysql_database(args.mysql_driver) as db, \
            tempfile.TemporaryDirectory() as work:
        # Heartbeats as operators run them (the integration tests' 1 s
        # would add a service write per daemon per second).
        cloud = daemons.Cloud(work, rabbit, db, report_interval=10,
                              service_down_time=60)
        image_port = cloud.image_port
        cloud.add_config(
            '[DEFAULT]\ncompute_driver = fake.FakeDriver\n'
            'periodic_interval = 60\n'
            '[oslo_messaging_rabbit]\nheartbeat_timeout_threshold = 60\n'
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
            bench = Bench(cloud, image_port, args.poll, args.watch_interval)
            bench.upload_image()
            bench.boot_delete(-1)  # warm up every path once
            warm_up, = bench.moments

            print('load average at start: %s; a fixed Python loop: %.0f ms '
                  '(the machine\'s speed now)'
                  % (_load(), _common.machine_speed()))
            cpu_before = {name: _common.cpu_seconds(proc.pid)
                          for name, proc in cloud.processes.items()}
            servers_before = {pid: _common.cpu_seconds(pid)
                              for pid in _common.pids_named(
                                  'mariadbd', 'mysqld', 'beam.smp')}
            bench_before = time.process_time()
            db_before = _mysql_commands()
            requests_before = bench.api_requests()
            spies = _start_profilers(cloud, args.profile)
            began = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(
                    args.concurrency) as pool:
                results = list(pool.map(bench.boot_delete,
                                        range(args.servers)))
            took = time.perf_counter() - began
            _stop_profilers(spies)
            active = [r[0] for r in results]
            gone = [r[1] for r in results]
            print('boot+delete %d servers at concurrency %d: %.1f s, '
                  '%.1f boot+delete/s (target >= 10)'
                  % (args.servers, args.concurrency, took,
                     args.servers / took))
            print('  POST -> ACTIVE: %s (target p95 <= 500 ms)'
                  % _common.summary(active))
            print('  API requests per boot+delete (waiting: %s): %.1f'
                  % (args.poll, (bench.api_requests() - requests_before)
                     / args.servers))
            if bench.watcher is not None:
                print('  waits the watcher missed (the client asked after '
                      '%.1f s): %d' % (bench.watcher.fallback,
                                       bench.watcher.fallbacks.value))
            print('  DELETE -> gone: %s' % _common.summary(gone))
            _print_stages(db, {server_id: moments for server_id, moments
                               in bench.moments.items()
                               if server_id != warm_up})
            print('  CPU ms per boot+delete (each daemon, from /proc): %s'
                  % ', '.join('%s %.1f' % (
                      name, (_common.cpu_seconds(proc.pid) -
                             cpu_before[name]) * 1000 / args.servers)
                      for name, proc in sorted(cloud.processes.items())))
            print('  CPU ms per boot+delete outside nimbus: MariaDB + '
                  'RabbitMQ %.1f, this client %.1f' % (
                      sum(_common.cpu_seconds(pid) - before for pid, before
                          in servers_before.items()) * 1000 / args.servers,
                      (time.process_time() - bench_before) * 1000
                      / args.servers))
            db_after = _mysql_commands()
            print('  MariaDB commands per boot+delete (all clients): %s' % (
                ', '.join('%s %.1f' % (name[4:], (db_after[name] -
                                                  db_before[name])
                                       / args.servers)
                          for name in sorted(db_after)
                          if db_after[name] != db_before[name])))
            print('load average at end: %s; the fixed Python loop: %.0f ms'
                  % (_load(), _common.machine_speed()))
            if bench.watcher is not None:
                bench.watcher.stop()
                bench.watcher = None

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


def _start_profilers(cloud, directory):
    """py-spy (sampling, from outside) on every daemon during the
    boot+delete phase: collapsed stacks in ``directory/<daemon>.txt``."""
    if not directory:
        return []
    spy = shutil.which('py-spy') or os.path.join(
        os.path.dirname(sys.executable), 'py-spy')
    os.makedirs(directory, exist_ok=True)
    return [subprocess.Popen(
        [spy, 'record', '--format', 'raw', '--rate', '250', '--nonblocking',
         '--gil',
         '-p', str(proc.pid), '-o', os.path.join(directory, name + '.txt')],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name, proc in sorted(cloud.processes.items())]


def _stop_profilers(spies):
    for spy in spies:
        spy.send_signal(signal.SIGINT)
    for spy in spies:
        spy.wait(timeout=30)


# Where a boot's time goes: each stage ends at a moment the cloud records
# (the client's own clock for the first and the last; the daemons write
# theirs with the same machine clock).
_STAGES = (
    ('POST answered', 'answered'),
    ('conductor starts the build', 'conductor_start'),
    ('host chosen and saved', 'scheduled_at'),
    ('compute starts the build', 'compute_start'),
    ('ACTIVE written', 'compute_finish'),
    ('client sees ACTIVE', 'seen'),
)


def _print_stages(db_url, moments):
    """POST -> ACTIVE split into stages, from the moments the daemons wrote
    (the build events' start and finish; the compute's finish is written
    with the ACTIVE state) and the client's: the time of each stage, from
    the end of the one before, mean and p95 over the servers."""
    import pymysql
    name = db_url.rsplit('/', 1)[1].split('?')[0]
    conn = pymysql.connect(database=name, **backends.MYSQL)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT a.instance_uuid, i.scheduled_at, e.event, "
                "e.start_time, e.finish_time FROM instance_actions a "
                "JOIN instances i ON i.uuid = a.instance_uuid "
                "JOIN instance_actions_events e ON e.action_id = a.id "
                "WHERE a.action = 'create'")
            found = {}
            for uuid, scheduled, event, start, finish in cur.fetchall():
                row = found.setdefault(uuid, {'scheduled_at': scheduled})
                if event == 'conductor_schedule_and_build_instances':
                    row['conductor_start'] = start
                elif event == 'compute_build_and_run_instance':
                    row['compute_start'], row['compute_finish'] = (
                        start, finish)
    finally:
        conn.close()
    stages = [[] for _ in _STAGES]
    for server_id, (sent, answered, seen) in moments.items():
        row = found.get(server_id, {})
        at = {key: value.replace(tzinfo=datetime.timezone.utc).timestamp()
              for key, value in row.items() if value is not None}
        at.update(answered=answered, seen=seen)
        if any(key not in at for _, key in _STAGES):
            continue
        previous = sent
        for index, (_, key) in enumerate(_STAGES):
            stages[index].append((at[key] - previous) * 1000)
            previous = at[key]
    if not stages[0]:
        return
    print('  POST -> ACTIVE by stage, each from the end of the one before '
          '(mean / p95 ms, %d servers): %s' % (len(stages[0]), ', '.join(
              '%s %.0f / %.0f' % (title, statistics.mean(samples),
                                  _common.percentile(samples, 95))
              for (title, _), samples in zip(_STAGES, stages))))


def _mysql_commands():
    """MariaDB's global command counters (Com_select, Com_commit, ...;
    Com_admin_commands counts the pings), and Questions."""
    import pymysql
    conn = pymysql.connect(autocommit=True, **backends.MYSQL)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW GLOBAL STATUS WHERE Variable_name IN ("
                        "'Com_select', 'Com_insert', 'Com_update', "
                        "'Com_delete', 'Com_commit', 'Com_rollback', "
                        "'Com_begin', 'Com_set_option', "
                        "'Com_admin_commands', 'Questions')")
            counts = {name: int(value) for name, value in cur.fetchall()}
    finally:
        conn.close()
    counts['Com_questions'] = counts.pop('Questions')
    return counts


def _load():
    with open('/proc/loadavg') as f:
        return ' '.join(f.read().split()[:3])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--servers', type=int, default=200)
    parser.add_argument('--concurrency', type=int, default=10)
    parser.add_argument('--detail-servers', type=int, default=1000)
    parser.add_argument(
        '--poll', choices=('watcher', 'per-server'), default='watcher',
        help='how clients wait for ACTIVE/gone: one watcher thread listing '
             'changes-since every 20 ms for all of them (default), or each '
             'client polling GET /servers/{id} every 10 ms')
    parser.add_argument('--watch-interval', type=float, default=0.02,
                        help='seconds between two lists of the watcher '
                             '(default 0.02)')
    parser.add_argument('--mysql-driver', choices=('pymysql', 'mysqldb'),
                        default='mysqldb',
                        help='the DB-API driver of the daemons: '
                             'mysqlclient (C, the default) or PyMySQL '
                             '(pure Python)')
    parser.add_argument('--profile', metavar='DIR',
                        help='sample every daemon with py-spy during '
                             'boot+delete; collapsed stacks into DIR')
    parser.add_argument('--skip-detail', action='store_true',
                        help='skip booting the servers of the detail '
                             'measure')
    run(parser.parse_args())


if __name__ == '__main__':
    os.environ.setdefault('PYTHONWARNINGS', 'ignore')
    main()
