"""A small cloud in one process for the compute workflows: a conductor and
two compute services (host1, host2) over fake:// and SQLite, with the
FakeDriver.

The scheduler, network and image services are replaced by small stand-ins
on their client side (select_destinations, allocate/deallocate_for_instance,
the image API), so these tests exercise compute and conductor alone.
Periodic tasks are off; tests run them by hand.
"""

import concurrent.futures
import itertools
import shutil
import threading
import time
import types
import uuid

import pytest

from nimbus.compute import api as compute_api
from nimbus.compute import manager as compute_manager
from nimbus.conductor import manager as conductor_manager
from nimbus import context as nimbus_context
from nimbus.db import migration
from nimbus import exception
from nimbus.network import rpcapi as network_rpcapi
from nimbus import objects
from nimbus.scheduler import rpcapi as scheduler_rpcapi
from nimbus import service
from nimbus.virt import fake

HOSTS = ('host1', 'host2')
# Before the stand-ins replace it, for tests of the real flavor lookup.
REAL_GET_FLAVOR = compute_api.API.__dict__['_get_flavor']

NoValidHost = getattr(exception, 'NoValidHost', None)
if NoValidHost is None:  # until the scheduler's exception lands
    class NoValidHost(exception.NimbusException):
        msg_fmt = 'No valid host was found. %(reason)s'


def make_flavor(flavorid='1', name='m1.small', memory_mb=512, vcpus=1,
                root_gb=1, ephemeral_gb=0, id=None):
    return types.SimpleNamespace(
        id=id or int(flavorid), flavorid=flavorid, name=name,
        memory_mb=memory_mb, vcpus=vcpus, root_gb=root_gb,
        ephemeral_gb=ephemeral_gb, swap=0, rxtx_factor=1.0,
        is_public=True, disabled=False, extra_specs={'hw:cpu': 'any'})


FLAVORS = {'1': make_flavor(),
           '2': make_flavor('2', 'm1.medium', 1024, 2, 2, id=2),
           '3': make_flavor('3', 'm1.tiny', 256, 1, 0, id=3)}


class StandInScheduler:
    """Spreads instances over the enabled hosts not yet tried."""

    def __init__(self):
        self.disabled = set()
        self.calls = []

    def select_destinations(self, context, request_spec, filter_properties):
        self.calls.append((request_spec, filter_properties))
        tried = {h for h, _ in (filter_properties.get('retry') or {})
                 .get('hosts', [])}
        tried |= set(filter_properties.get('ignore_hosts') or [])
        candidates = [h for h in HOSTS
                      if h not in tried and h not in self.disabled]
        if not candidates:
            raise NoValidHost(reason='There are not enough hosts '
                                     'available.')
        admin = nimbus_context.get_admin_context()
        load = {h: len(objects.InstanceList.get_by_host(admin, h))
                for h in candidates}
        result = []
        for _ in range(request_spec['num_instances']):
            host = min(candidates, key=lambda h: (load[h], h))
            load[host] += 1
            result.append({'host': host, 'nodename': host, 'limits': {}})
        return result


class StandInNetwork:
    """Fixed IPs from 10.0.0.0/24, one VIF per instance."""

    def __init__(self):
        self.lock = threading.Lock()
        self.free = ['10.0.0.%d' % i for i in range(2, 250)]
        self.allocated = {}

    def allocate_for_instance(self, context, instance_uuid, project_id,
                              host, requested_networks=None, macs=None):
        with self.lock:
            address = self.free.pop(0)
            self.allocated[instance_uuid] = address
        return [{
            'id': str(uuid.uuid4()), 'address': 'fa:16:3e:00:00:%02x'
            % int(address.split('.')[-1]),
            'network': {'id': 'net-1', 'label': 'private',
                        'bridge': 'br100',
                        'subnets': [{'cidr': '10.0.0.0/24',
                                     'ips': [{'address': address,
                                              'type': 'fixed',
                                              'floating_ips': []}]}]}}]

    def deallocate_for_instance(self, context, instance_uuid, host=None):
        with self.lock:
            address = self.allocated.pop(instance_uuid, None)
            if address:
                self.free.append(address)


class StandInImages:
    def __init__(self):
        self.images = {}
        self.counter = itertools.count(1)
        self.add({'id': 'cirros', 'name': 'cirros', 'status': 'active',
                  'disk_format': 'qcow2', 'container_format': 'bare',
                  'size': 1024, 'min_disk': 0, 'min_ram': 0,
                  'properties': {'os_type': 'linux'}})

    def add(self, image):
        self.images[image['id']] = image
        return image

    def get(self, context, image_id):
        try:
            return dict(self.images[image_id])
        except KeyError:
            raise exception.NotFound('Image %s not found' % image_id)

    def create(self, context, metadata, data_iter=None):
        image = dict(metadata, id='snap-%d' % next(self.counter),
                     status='queued')
        return self.add(image)

    def update(self, context, image_id, metadata, data_iter=None,
               **kwargs):
        image = self.images[image_id]
        image.update(metadata)
        if data_iter is not None:
            image['data'] = b''.join(data_iter)
            image['status'] = 'active'
        return dict(image)

    def delete(self, context, image_id):
        self.images.pop(image_id, None)


class Cloud:
    def __init__(self, scheduler, network, images, conductor, computes):
        self.scheduler = scheduler
        self.network = network
        self.images = images
        self.conductor = conductor
        self.computes = dict(computes)
        self.api = compute_api.API()
        self.admin = nimbus_context.get_admin_context()

    def context(self, project_id='demo', user_id='alice', is_admin=False):
        return nimbus_context.RequestContext(
            user_id=user_id, project_id=project_id, is_admin=is_admin,
            roles=['admin'] if is_admin else ['member'])

    def manager(self, host):
        return self.computes[host].manager

    def driver(self, host):
        return self.computes[host].manager.driver

    def boot(self, context, flavor='1', count=1, **kwargs):
        instances, _ = self.api.create(
            context, FLAVORS[flavor], kwargs.pop('image', 'cirros'),
            display_name=kwargs.pop('name', 'vm'), min_count=count,
            max_count=count, **kwargs)
        return instances

    def get(self, uuid, **kwargs):
        ctx = self.admin.elevated(read_deleted=kwargs.pop('read_deleted',
                                                          'no'))
        return objects.Instance.get_by_uuid(ctx, uuid, **kwargs)

    def wait_for(self, uuid, vm_state=None, task_state='any', timeout=10,
                 **kwargs):
        deadline = time.monotonic() + timeout
        while True:
            try:
                inst = self.get(uuid, **kwargs)
            except exception.InstanceNotFound:
                inst = None
                if vm_state == 'gone':
                    return None
            if inst is not None and (vm_state is None or
                                     inst.vm_state == vm_state) and \
                    (task_state == 'any' or inst.task_state == task_state):
                return inst
            if time.monotonic() > deadline:
                raise AssertionError('instance %s: %s/%s, wanted %s/%s' % (
                    uuid, getattr(inst, 'vm_state', None),
                    getattr(inst, 'task_state', None), vm_state,
                    task_state))
            time.sleep(0.02)

    def wait_for_node(self, host, timeout=10, **values):
        """The compute node row of ``host`` once its columns hold
        ``values`` (a host writes its row a moment after a change)."""
        deadline = time.monotonic() + timeout
        while True:
            node = objects.ComputeNode.get_by_host_and_nodename(
                self.admin, host, host)
            if all(getattr(node, k) == v for k, v in values.items()):
                return node
            if time.monotonic() > deadline:
                raise AssertionError('node %s: %s, wanted %s' % (
                    host, {k: getattr(node, k) for k in values}, values))
            time.sleep(0.02)

    def start_compute(self, host):
        svc = service.Service(host, 'nimbus-compute', 'compute',
                              compute_manager.ComputeManager(host=host),
                              periodic_enable=False)
        svc.start()
        self.computes[host] = svc
        return svc

    def stop_compute(self, host):
        svc = self.computes.pop(host)
        svc.stop()
        svc.wait(5)


@pytest.fixture(scope='session')
def schema_template(tmp_path_factory):
    """Migrate once; each test starts from a copy."""
    path = tmp_path_factory.mktemp('compute-schema') / 'template.sqlite'
    migration.db_sync(engine_or_url='sqlite:///%s' % path)
    return path


@pytest.fixture
def cloud(conf, fake_rpc, monkeypatch, schema_template, tmp_path):
    conf.config(compute_driver='fake.FakeDriver')
    shutil.copy(schema_template, tmp_path / 'nimbus.sqlite')
    fake.FakeDriver.reset_all()
    scheduler, network, images = (StandInScheduler(), StandInNetwork(),
                                  StandInImages())
    monkeypatch.setattr(scheduler_rpcapi.SchedulerAPI,
                        'select_destinations',
                        lambda self, *a, **k: scheduler.select_destinations(
                            *a, **k), raising=False)
    for name in ('allocate_for_instance', 'deallocate_for_instance'):
        monkeypatch.setattr(network_rpcapi.NetworkAPI, name,
                            (lambda n: lambda self, *a, **k: getattr(
                                network, n)(*a, **k))(name), raising=False)
    monkeypatch.setattr(compute_api.API, '_image_api',
                        staticmethod(lambda: images))
    monkeypatch.setattr(compute_api.API, '_network_api',
                        staticmethod(lambda: None))
    monkeypatch.setattr(compute_manager.ComputeManager, 'image_api',
                        staticmethod(lambda: images))
    monkeypatch.setattr(compute_api.API, '_get_flavor', staticmethod(
        lambda context, flavor: FLAVORS[flavor] if isinstance(flavor, str)
        else flavor))

    conductor = service.Service(
        'controller', 'nimbus-conductor', 'conductor',
        conductor_manager.ConductorManager(host='controller'),
        periodic_enable=False)
    conductor.start()
    result = Cloud(scheduler, network, images, conductor, {})
    with concurrent.futures.ThreadPoolExecutor(len(HOSTS)) as pool:
        list(pool.map(result.start_compute, HOSTS))
    yield result
    services = list(result.computes.values()) + [conductor]
    for svc in services:
        svc.stop()
    with concurrent.futures.ThreadPoolExecutor(len(services)) as pool:
        list(pool.map(lambda svc: svc.wait(5), services))
    fake.FakeDriver.reset_all()


class _ComputeSideIndirection:
    """The conductor as indirection API, but only for code running in
    nimbus-compute's modules: in one process the API and the conductor
    keep their direct database access, as in a real deployment."""

    def __init__(self):
        from nimbus.conductor import rpcapi as conductor_rpcapi
        self._api = conductor_rpcapi.ConductorAPI()

    @staticmethod
    def _in_compute():
        import sys
        frame, found = sys._getframe(2), False
        while frame is not None:
            name = frame.f_globals.get('__name__', '')
            if name == 'nimbus.compute.api' or name.startswith(
                    'nimbus.conductor.'):
                return False  # the API or the conductor: direct access
            if name == 'nimbus.compute.manager':
                found = True
            frame = frame.f_back
        return found

    def __bool__(self):
        return self._in_compute()

    def __getattr__(self, name):
        return getattr(self._api, name)


@pytest.fixture
def compute_via_conductor(fake_rpc, monkeypatch):
    """Make compute-side object calls go over RPC to the conductor."""
    from nimbus.objects import base as objects_base
    monkeypatch.setattr(objects_base.NimbusObject, 'indirection_api',
                        _ComputeSideIndirection())
