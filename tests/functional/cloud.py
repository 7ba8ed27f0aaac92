"""A whole cloud in one process for functional tests: every service over
fake:// and SQLite, the image API on a free port, the Compute API as a
WSGI app, two compute hosts with the fake driver, m1.* flavors, a flat
network and an active image.

    from tests.functional.cloud import cloud  # noqa: F401  (fixture)
"""

import contextlib
import time

import pytest
import sqlalchemy as sa

from nimbus.compute import manager as compute_manager
from nimbus.conductor import manager as conductor_manager
from nimbus import context as nimbus_context
from nimbus.db import models
from nimbus.db import session as db_session
from nimbus.network import manager as network_manager
from nimbus.objects import flavor as flavor_obj
from nimbus.scheduler import manager as scheduler_manager
from nimbus import service
from nimbus import wsgi as nimbus_wsgi
from tests.functional.api.conftest import Client
from tests.functional.image.fixtures import glance  # noqa: F401
from tests.functional.image.fixtures import image_db  # noqa: F401
from tests.functional.image.fixtures import image_server  # noqa: F401

COMPUTE_HOSTS = ('compute1', 'compute2')


def user_context(project='demo', user='demo', admin=False):
    roles = ['member', 'reader'] + (['admin'] if admin else [])
    return nimbus_context.RequestContext(
        user_id=user, project_id=project, roles=roles, is_admin=admin,
        auth_token='%s:%s' % (user, project))


def create_network(context, cidr='10.0.0.0/24', label='private'):
    from nimbus.network import api as network_api
    return network_api.API().create(context, label=label,
                                    fixed_range_v4=cidr, bridge='br100')


def upload_image(glance_api, name='cirros', data=b'\0' * 4096, **props):
    context = user_context('admin', 'admin', admin=True)
    meta = {'name': name, 'disk_format': 'qcow2',
            'container_format': 'bare', 'visibility': 'public'}
    meta.update(props)
    image = glance_api.create(context, meta, iter([data]))
    return image


class Cloud:
    def __init__(self, glance_api):
        self.glance = glance_api
        self.launcher = service.Launcher()
        self.app = nimbus_wsgi.load_app('osapi_compute')
        self.api = Client(self.app, token='demo:demo')
        self.admin_api = Client(self.app, token='admin:admin')
        self.image = None
        self.flavors = []

    def start(self):
        admin = nimbus_context.get_admin_context()
        self.flavors = flavor_obj.create_default_flavors(admin)
        create_network(admin)
        self.image = upload_image(self.glance)
        rpc_services = [
            ('nimbus-conductor', 'conductor',
             conductor_manager.ConductorManager(host='controller'),
             'controller'),
            ('nimbus-network', 'network',
             network_manager.load_network_manager(host='controller'),
             'controller'),
        ]
        for host in COMPUTE_HOSTS:
            rpc_services.append(('nimbus-compute', 'compute',
                                 compute_manager.ComputeManager(host=host),
                                 host))
        # Last, so its first full load already sees both compute nodes.
        rpc_services.append(
            ('nimbus-scheduler', 'scheduler',
             scheduler_manager.SchedulerManager(host='controller'),
             'controller'))
        for binary, topic, manager, host in rpc_services:
            self.launcher.launch_service(
                service.Service(host, binary, topic, manager))

    def stop(self, settle=5.0):
        """Stop the services once no instance is still being worked on
        (for up to ``settle`` seconds): a test that ends with a boot in
        flight would otherwise leave a conductor waiting on the stopped
        scheduler until the graceful-shutdown timeout (10 s a test)."""
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline and self._busy():
            time.sleep(0.05)
        self.launcher.stop()

    @staticmethod
    def _busy():
        instances = models.Instance.__table__
        with db_session.get_engine().connect() as conn:
            return conn.execute(
                sa.select(instances.c.id).where(
                    instances.c.deleted == 0,
                    sa.or_(instances.c.vm_state == 'building',
                           instances.c.task_state.is_not(None)))
                .limit(1)).first() is not None

    def wait_for_status(self, server_id, statuses, timeout=15, api=None):
        api = api or self.api
        deadline = time.monotonic() + timeout
        server = None
        while time.monotonic() < deadline:
            resp = api.get('/v2.1/servers/%s' % server_id)
            if resp.status_int == 404 and 'DELETED' in statuses:
                return None
            server = resp.json_body_or_none['server']
            if server['status'] in statuses:
                return server
            if server['status'] == 'ERROR' and 'ERROR' not in statuses:
                raise AssertionError('server went to ERROR: %s'
                                     % server.get('fault'))
            time.sleep(0.05)
        raise AssertionError('server %s not %s within %ss: %s' % (
            server_id, statuses, timeout, server and server['status']))

    def boot(self, name='vm', api=None, **extra):
        api = api or self.api
        body = {'server': dict({'name': name, 'imageRef': self.image['id'],
                                'flavorRef': '1', 'networks': 'auto'},
                               **extra)}
        resp = api.post('/v2.1/servers', body=body,
                        headers={'X-OpenStack-Nova-API-Version': '2.37'})
        assert resp.status_int == 202, resp.body
        return resp.json_body_or_none['server']['id']


@pytest.fixture
def cloud(conf, fake_rpc, glance):  # noqa: F811
    conf.config(compute_driver='fake.FakeDriver')
    c = Cloud(glance)
    c.start()
    try:
        yield c
    finally:
        with contextlib.suppress(Exception):
            c.stop()
