"""GET /servers/detail in process: the WSGI app of nimbus-api called with
webob (no HTTP, no RPC), on 1,000 instances written through the DB API,
against MariaDB (PyMySQL) and SQLite.  For iterating on the list path;
``bench/api_servers.py`` is the measure of record.

Prints p50 of wall-clock and CPU time of: GET
/servers/detail?limit=1000 (1,000 servers), the same as admin, GET
/servers/detail?changes-since=<t> answering 10 servers (what the
boot+delete benchmark's watcher lists every 20 ms), and GET
/servers/{id}.  ``--profile PREFIX`` writes cProfiles of the
1,000-server page (PREFIX.<backend>) and of the changes-since list
(PREFIX.<backend>.changes).
"""

import argparse
import cProfile
import datetime
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from oslo_config import fixture as config_fixture  # noqa: E402
from oslo_utils import timeutils  # noqa: E402
from oslo_utils import uuidutils  # noqa: E402
import sqlalchemy as sa  # noqa: E402
import webob  # noqa: E402

from nimbus import config  # noqa: E402
from nimbus.conf import CONF  # noqa: E402
from nimbus import context as nimbus_context  # noqa: E402
from nimbus.db.api import instance as instance_db  # noqa: E402
from nimbus.db.api import instance_fault as fault_db  # noqa: E402
from nimbus.db import migration  # noqa: E402
from nimbus.db import models  # noqa: E402
from nimbus.db import session as db_session  # noqa: E402
from nimbus import objects  # noqa: E402
from nimbus.objects import instance as instance_obj  # noqa: E402
from nimbus import wsgi as nimbus_wsgi  # noqa: E402
from tests.integration import backends  # noqa: E402

FLAVOR = {'id': 1, 'name': 'm1.tiny', 'flavorid': '1', 'memory_mb': 512,
          'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
          'rxtx_factor': 1.0, 'extra_specs': {}}


def _network_info(index):
    return json.dumps([{
        'id': uuidutils.generate_uuid(),
        'address': 'fa:16:3e:%02x:%02x:%02x' % (
            index >> 16 & 255, index >> 8 & 255, index & 255),
        'network': {'id': uuidutils.generate_uuid(), 'label': 'private',
                    'bridge': 'br100',
                    'subnets': [{'cidr': '10.0.0.0/20', 'gateway':
                                 {'address': '10.0.0.1'},
                                 'ips': [{'address': '10.0.%d.%d' % (
                                     index // 250, index % 250 + 2),
                                     'version': 4, 'type': 'fixed',
                                     'floating_ips': []}]}]}}])


def fill(count, project='bench'):
    ctx = nimbus_context.get_admin_context()
    sysmeta = instance_obj.flavor_to_system_metadata(FLAVOR)
    sysmeta['image_base_image_ref'] = 'x'
    base = timeutils.utcnow() - datetime.timedelta(hours=1)
    uuids = []
    for index in range(count):
        values = {
            'display_name': 'many-%d' % index, 'project_id': project,
            'user_id': project, 'host': 'compute%d' % (index % 2 + 1),
            'node': 'compute%d' % (index % 2 + 1),
            'image_ref': '155d900f-4e14-4e4c-a73d-069cbf4541e6',
            'instance_type_id': 1, 'memory_mb': 512, 'vcpus': 1,
            'root_gb': 1, 'ephemeral_gb': 0, 'vm_state': 'active',
            'power_state': 1, 'availability_zone': 'nova',
            'reservation_id': 'r-%08x' % (index // 50),
            'launch_index': index % 50, 'hostname': 'many-%d' % index,
            'launched_at': base, 'created_at': base +
            datetime.timedelta(seconds=index), 'updated_at': base,
            'metadata': {'index': str(index)}, 'system_metadata': sysmeta,
            'security_groups': ['default'],
            'info_cache': {'network_info': _network_info(index)}}
        if index % 100 == 7:
            values['vm_state'] = 'error'
        uuids.append(instance_db.instance_create(ctx, values)['uuid'])
        if index % 100 == 7:
            fault_db.instance_fault_create(ctx, {
                'instance_uuid': uuids[-1], 'code': 500,
                'message': 'boom', 'details': 'trace'})
    return uuids


def touch(uuids):
    """Mark ``uuids`` updated now (the changes-since list's answer)."""
    with db_session.get_engine().begin() as conn:
        conn.execute(sa.update(models.Instance).where(
            models.Instance.uuid.in_(uuids)).values(
                updated_at=timeutils.utcnow()))


def get(app, path, token='bench:bench', version='2.37'):
    req = webob.Request.blank(path)
    req.headers['X-Auth-Token'] = token
    req.headers['X-OpenStack-Nova-API-Version'] = version
    resp = req.get_response(app)
    assert resp.status_int == 200, resp.body
    return resp


def timed(app, path, runs, **kw):
    """(wall-clock p50, this process's CPU p50, the last response): the
    CPU time moves less with the machine's load than the wall clock."""
    samples, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        resp = get(app, path, **kw)
        samples.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return (statistics.median(samples), statistics.median(cpu)), resp


def measure(label, connection, args):
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    try:
        CONF([], project='nimbus', default_config_files=[])
        fixture.config(connection=connection, group='database')
        fixture.config(auth_strategy='noauth2', group='api')
        fixture.config(max_limit=1000, group='api')
        objects.register_all()
        db_session.reset()
        migration.db_sync()
        began = time.perf_counter()
        uuids = fill(args.servers)
        filled = time.perf_counter() - began
        app = nimbus_wsgi.load_app('osapi_compute')
        since = timeutils.utcnow() - datetime.timedelta(seconds=1)
        touch(uuids[:10])
        changes = '/v2.1/servers/detail?limit=1000&changes-since=%s' % (
            since.isoformat())
        get(app, '/v2.1/servers/detail?limit=1000')  # warm up
        detail, resp = timed(app, '/v2.1/servers/detail?limit=1000',
                             args.runs)
        count = len(resp.json['servers'])
        admin, _ = timed(app, '/v2.1/servers/detail?limit=1000',
                         args.runs, token='admin:bench')
        small, resp = timed(app, changes, args.runs * 10)
        changed = len(resp.json['servers'])
        one, _ = timed(app, '/v2.1/servers/%s' % uuids[5], args.runs * 10)
        print('%s (filled %d in %.0f s):' % (label, args.servers, filled))
        print('  p50 of (wall clock, CPU of this process) in ms:')
        print('  GET /servers/detail, %d servers   %7.1f %7.1f'
              % ((count,) + detail))
        print('  ... as admin                       %7.1f %7.1f' % admin)
        print('  GET changes-since, %d servers      %7.2f %7.2f'
              % ((changed,) + small))
        print('  GET /servers/{id}                  %7.2f %7.2f' % one)
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(5):
                get(app, '/v2.1/servers/detail?limit=1000')
            profile.disable()
            profile.dump_stats('%s.%s' % (args.profile, label))
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(200):
                get(app, changes)
            profile.disable()
            profile.dump_stats('%s.%s.changes' % (args.profile, label))
    finally:
        db_session.reset()
        fixture.cleanUp()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--servers', type=int, default=1000)
    parser.add_argument('--runs', type=int, default=10)
    parser.add_argument('--backend', choices=('mysql', 'sqlite', 'both'),
                        default='both')
    parser.add_argument('--profile', help='cProfile output prefix')
    args = parser.parse_args()
    config.register_logging_opts(CONF)
    print('load average: %s' % ' '.join(open('/proc/loadavg').read()
                                        .split()[:3]))
    if args.backend in ('mysql', 'both'):
        with backends.mysql_database() as url:
            measure('mysql', url, args)
    if args.backend in ('sqlite', 'both'):
        with tempfile.TemporaryDirectory() as work:
            measure('sqlite', 'sqlite:///%s/nimbus.sqlite' % work, args)


if __name__ == '__main__':
    os.environ.setdefault('PYTHONWARNINGS', 'ignore')
    main()
