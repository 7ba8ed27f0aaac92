"""SQL statements and CPU per allocate_for_instance / deallocate_for_instance
of nimbus-network, on MariaDB, in one process (no RPC: the manager's
methods are called directly, with the fake network driver).

Counts every statement sent to the database (a ``before_cursor_execute``
listener; BEGIN/COMMIT of the DB-API are not statements and are not
counted there; the round trips to the server, which include them and
the isolation level set and reset around an allocation, are counted
too, from PyMySQL's commands), with ``--with-rule`` also when a
security group rule names the instances' group as source (so
membership changes have instances to refresh), and ``--floating``
with a floating IP associated before delete.

    .venv/bin/python bench/network_sql.py [--instances 50] [--show]
"""

import argparse
import collections
import statistics
import time

import _common  # noqa: F401  puts the repository on sys.path

from oslo_config import fixture as config_fixture
import pymysql
from oslo_utils import uuidutils
import sqlalchemy as sa

from nimbus.conf import CONF
from nimbus import config
from nimbus import context as nimbus_context
from nimbus.db import migration
from nimbus.db import models
from nimbus.db import session
from nimbus.network import floating_ips
from nimbus.network import manager as network_manager
from nimbus.network import networks
from nimbus.network import security_groups
from nimbus import objects
from nimbus import rpc
from tests.integration import backends


class Counter:

    def __init__(self):
        self.statements = []
        self.enabled = False

    def __call__(self, conn, cursor, statement, parameters, context,
                 executemany):
        if self.enabled:
            self.statements.append(statement)

    def take(self):
        taken, self.statements = self.statements, []
        trips, self.round_trips = self.round_trips, 0
        return taken, trips

    round_trips = 0
    show_trips = False

    def count_round_trips(self):
        original = pymysql.connections.Connection._execute_command
        counter = self

        def _execute_command(connection, command, sql):
            if counter.enabled:
                counter.round_trips += 1
                if counter.show_trips:
                    print('      trip:', command,
                          sql if isinstance(sql, str) else sql[:60])
            return original(connection, command, sql)

        pymysql.connections.Connection._execute_command = _execute_command


def _instance(context, project_id):
    instance_uuid = uuidutils.generate_uuid()
    with session.writer.using(context) as db:
        db.add(models.Instance(uuid=instance_uuid, project_id=project_id,
                               host='compute1', hostname='vm-' +
                               instance_uuid[:8], vm_state='building'))
    return instance_uuid


def _first_words(statement):
    return ' '.join(statement.split()[:4])[:60]


def run(args):
    config.register_logging_opts(CONF)
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    CONF([], project='nimbus', default_config_files=[])
    objects.register_all()
    with backends.mysql_database() as url:
        fixture.config(connection=url, group='database')
        fixture.config(host='network1')
        session.reset()
        rpc.init(CONF, url='fake://')
        migration.db_sync()
        admin = nimbus_context.get_admin_context()
        networks.create_networks(
            admin, network_manager.FlatDHCPManager, 'private',
            fixed_range_v4='10.0.0.0/20')
        project = 'demo'
        ctx = nimbus_context.RequestContext(user_id='u', project_id=project)
        default = security_groups.get_group_by_name(ctx, 'default', project)
        if args.with_rule:
            security_groups.create_rule(ctx, default['id'],
                                        group_id=default['id'])
        if args.floating:
            floating_ips.create_range('198.51.100.0/24', context=admin)
        manager = network_manager.FlatDHCPManager(host='network1')
        counter = Counter()
        sa.event.listen(session.get_engine(), 'before_cursor_execute',
                        counter)
        counter.count_round_trips()

        def boot():
            instance_uuid = _instance(admin, project)
            with session.writer.using(admin) as db:
                db.add(models.SecurityGroupInstanceAssociation(
                    security_group_id=default['id'],
                    instance_uuid=instance_uuid))
            return instance_uuid

        results = collections.defaultdict(list)
        shown = set()
        for n in range(args.instances + 1):   # the first warms up
            instance_uuid = boot()
            for verb in ('allocate', 'deallocate'):
                if verb == 'deallocate' and args.floating:
                    floating = manager.allocate_floating_ip(
                        admin, project, auto_assigned=True)
                    nw_info = manager.get_instance_nw_info(admin,
                                                           instance_uuid)
                    fixed = nw_info[0]['network']['subnets'][0]['ips'][0]
                    manager.associate_floating_ip(admin, floating['address'],
                                                  fixed['address'])
                counter.enabled = True
                began = time.process_time()
                if verb == 'allocate':
                    manager.allocate_for_instance(admin, instance_uuid,
                                                  project, 'compute1')
                else:
                    manager.deallocate_for_instance(admin, instance_uuid,
                                                    'compute1')
                cpu = time.process_time() - began
                counter.enabled = False
                statements, trips = counter.take()
                if n:
                    results[verb].append((len(statements), cpu * 1000,
                                          trips))
                if args.show and n and verb not in shown:
                    shown.add(verb)
                    print('%s:' % verb)
                    for statement in statements:
                        print('   ', _first_words(statement))
        for verb in ('allocate', 'deallocate'):
            counts = [count for count, _, _ in results[verb]]
            cpus = [cpu for _, cpu, _ in results[verb]]
            trips = [trip for _, _, trip in results[verb]]
            print('%-10s  SQL statements: %s (min %d, max %d), round trips: '
                  '%s   CPU: %s'
                  % (verb, statistics.mean(counts), min(counts), max(counts),
                     statistics.mean(trips), _common.summary(cpus)))
        rpc.cleanup()
        session.reset()
    fixture.cleanUp()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--instances', type=int, default=50)
    parser.add_argument('--with-rule', action='store_true',
                        help='a rule of the default group with the default '
                             'group as source')
    parser.add_argument('--floating', action='store_true',
                        help='a floating IP associated before each delete')
    parser.add_argument('--show', action='store_true',
                        help='print the statements of one allocation and '
                             'one deallocation')
    run(parser.parse_args())


if __name__ == '__main__':
    main()
