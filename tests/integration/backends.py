"""Real backing services for integration tests: a RabbitMQ vhost, a MariaDB
database and a PostgreSQL database of the test's own, removed afterwards.

These services run on every machine of this kind (CI included); when one
cannot be reached the test fails rather than skipping.
"""

import contextlib
import subprocess
import uuid

import pymysql
import psycopg2

RABBIT_HOST = '127.0.0.1:5672'
MYSQL = dict(host='127.0.0.1', port=3306, user='root', password='')
PG = dict(host='127.0.0.1', port=5432, user='postgres')


def _rabbitmqctl(*args):
    subprocess.run(['rabbitmqctl', '-q'] + list(args), check=True,
                   stdout=subprocess.DEVNULL, timeout=60)


@contextlib.contextmanager
def rabbit_vhost():
    """A fresh vhost for guest; yields its transport_url."""
    vhost = 'nimbus-test-%s' % uuid.uuid4().hex[:10]
    _rabbitmqctl('add_vhost', vhost)
    try:
        _rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*',
                     '.*')
        yield 'rabbit://guest:guest@%s/%s' % (RABBIT_HOST, vhost)
    finally:
        _rabbitmqctl('delete_vhost', vhost)


@contextlib.contextmanager
def mysql_database(driver='pymysql'):
    """A new database on the local MariaDB; its URL with ``driver``
    (pymysql, or mysqldb: mysqlclient)."""
    name = 'nimbus_test_%s' % uuid.uuid4().hex[:10]
    conn = pymysql.connect(autocommit=True, **MYSQL)
    try:
        with conn.cursor() as cur:
            cur.execute('CREATE DATABASE %s CHARACTER SET utf8mb4' % name)
        yield ('mysql+' + driver
               + '://%(user)s:%(password)s@%(host)s:%(port)s/' % MYSQL
               + name + '?charset=utf8mb4')
    finally:
        with conn.cursor() as cur:
            cur.execute('DROP DATABASE IF EXISTS %s' % name)
        conn.close()


@contextlib.contextmanager
def postgresql_database():
    name = 'nimbus_test_%s' % uuid.uuid4().hex[:10]
    conn = psycopg2.connect(dbname='postgres', **PG)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute('CREATE DATABASE %s' % name)
        yield 'postgresql+psycopg2://%(user)s@%(host)s:%(port)s/' % PG + name
    finally:
        with conn.cursor() as cur:
            # Connections left by a killed daemon would block the drop.
            cur.execute('SELECT pg_terminate_backend(pid) FROM '
                        'pg_stat_activity WHERE datname = %s', (name,))
            cur.execute('DROP DATABASE IF EXISTS %s' % name)
        conn.close()
