"""Databases of a test's own on each backend, dropped afterwards.

MariaDB (127.0.0.1:3306, root, no password) and PostgreSQL (127.0.0.1:5432,
postgres, trust) run on every development and CI machine; when one cannot
be reached the test errors out, it is never skipped.
"""

import contextlib
import uuid

from oslo_db.sqlalchemy import enginefacade
import psycopg2
import pymysql

MYSQL = dict(host='127.0.0.1', port=3306, user='root', password='')
POSTGRESQL = dict(host='127.0.0.1', port=5432, user='postgres')


@enginefacade.transaction_context_provider
class Context:
    """A request context as the query functions need it (an admin of
    'project')."""
    project_id = 'project'
    user_id = 'user'
    is_admin = True
    read_deleted = 'no'
    request_id = 'req-1'


# mysql: PyMySQL; mysqldb: the same MariaDB through mysqlclient.
BACKENDS = ('sqlite', 'mysql', 'mysqldb', 'postgresql')


def _unique_name():
    return 'nimbus_dbtest_%s' % uuid.uuid4().hex[:12]


@contextlib.contextmanager
def sqlite_database(tmp_path):
    yield 'sqlite:///%s' % (tmp_path / 'nimbus.sqlite')


@contextlib.contextmanager
def mysql_database(driver='pymysql'):
    name = _unique_name()
    admin = pymysql.connect(autocommit=True, **MYSQL)
    try:
        with admin.cursor() as cursor:
            cursor.execute('CREATE DATABASE %s CHARACTER SET utf8mb4 '
                           'COLLATE utf8mb4_general_ci' % name)
        yield ('mysql+' + driver + '://%(user)s@%(host)s:%(port)d/' % MYSQL
               + name + '?charset=utf8mb4')
    finally:
        with admin.cursor() as cursor:
            cursor.execute('DROP DATABASE IF EXISTS %s' % name)
        admin.close()


@contextlib.contextmanager
def postgresql_database():
    name = _unique_name()
    admin = psycopg2.connect(dbname='postgres', **POSTGRESQL)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute('CREATE DATABASE %s' % name)
        yield ('postgresql+psycopg2://%(user)s@%(host)s:%(port)d/'
               % POSTGRESQL + name)
    finally:
        with admin.cursor() as cursor:
            # A connection a failed test left open would block the drop.
            cursor.execute('SELECT pg_terminate_backend(pid) FROM '
                           'pg_stat_activity WHERE datname = %s', (name,))
            cursor.execute('DROP DATABASE IF EXISTS %s' % name)
        admin.close()


def create(backend, tmp_path):
    """A context manager yielding the URL of a new database on backend."""
    if backend == 'sqlite':
        return sqlite_database(tmp_path)
    if backend == 'mysql':
        return mysql_database()
    if backend == 'mysqldb':
        return mysql_database(driver='mysqldb')
    return postgresql_database()
