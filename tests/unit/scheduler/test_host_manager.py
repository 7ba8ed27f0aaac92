"""The host view: full load, incremental sync, liveness, consumption."""

import datetime

import pytest
import sqlalchemy as sa
from oslo_utils import timeutils

from nimbus import context as nimbus_context
from nimbus.db.api import compute_node as compute_node_db
from nimbus.db.api import scheduler as scheduler_db
from nimbus.db.api import service as service_db
from nimbus.db import models
from nimbus.db import session as db_session
from nimbus.scheduler import host_manager
from tests.unit.scheduler import fakes


@pytest.fixture
def context(database):
    return nimbus_context.get_admin_context()


def _add_host(context, host, zone=None, **node_values):
    service = service_db.service_create(context, {
        'host': host, 'binary': 'nimbus-compute', 'topic': 'compute',
        'availability_zone': zone})
    service = service_db.service_heartbeat(context, service['id'])
    values = {'service_id': service['id'], 'host': host,
              'hypervisor_hostname': host, 'hypervisor_type': 'QEMU',
              'hypervisor_version': 8002000, 'vcpus': 8, 'memory_mb': 16384,
              'local_gb': 200, 'free_ram_mb': 16384, 'free_disk_gb': 200}
    values.update(node_values)
    node = compute_node_db.compute_node_create(context, values)
    return service, node


class _Queries:
    """Counts the SELECTs sent to the database and the rows the delta
    queries return."""

    def __init__(self, monkeypatch):
        self.selects = 0
        self.rows = []
        sa.event.listen(db_session.get_engine(), 'before_cursor_execute',
                        self._count)
        for name in ('compute_nodes_changed_since',
                     'services_changed_since'):
            monkeypatch.setattr(scheduler_db, name,
                                self._spy(getattr(scheduler_db, name)))

    def _count(self, conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith('SELECT'):
            self.selects += 1

    def _spy(self, function):
        def spy(*args, **kwargs):
            rows = function(*args, **kwargs)
            self.rows.extend(rows)
            return rows
        return spy

    def reset(self):
        self.selects = 0
        self.rows = []


@pytest.fixture
def queries(context, monkeypatch):
    return _Queries(monkeypatch)


def test_load_reads_nodes_and_services(context, conf):
    conf.config(default_availability_zone='zone-default')
    _add_host(context, 'host1', zone='zone-1', vcpus_used=2,
              cpu_allocation_ratio=4.0)
    _add_host(context, 'host2', free_ram_mb=1000, running_vms=3)
    hm = host_manager.HostManager()
    hm.load(context)
    states = {s.host: s for s in hm.get_all_host_states()}
    assert set(states) == {'host1', 'host2'}
    one, two = states['host1'], states['host2']
    assert (one.nodename, one.availability_zone, one.vcpus_used,
            one.vcpus_total, one.cpu_allocation_ratio) == (
        'host1', 'zone-1', 2, 8, 4.0)
    assert (two.availability_zone, two.free_ram_mb, two.num_instances,
            two.cpu_allocation_ratio, two.ram_allocation_ratio) == (
        'zone-default', 1000, 3, 16.0, 1.5)
    assert two.free_disk_mb == 200 * 1024
    assert two.total_usable_ram_mb == 16384
    assert two.service['host'] == 'host2'
    assert two.updated is not None


def test_sync_reads_only_rows_changed_since_the_last_read(context, conf,
                                                          queries):
    conf.config(sync_overlap=0, group='scheduler')
    _, node1 = _add_host(context, 'host1')
    _add_host(context, 'host2')
    _add_host(context, 'host3')
    hm = host_manager.HostManager()
    hm.load(context)
    assert len(queries.rows) == 6
    before = {s.host: s for s in hm.get_all_host_states()}

    queries.reset()
    assert hm.sync(context) == 0
    assert queries.rows == [] and queries.selects == 2

    compute_node_db.compute_node_update(context, node1['id'],
                                        {'free_ram_mb': 100,
                                         'vcpus_used': 5})
    queries.reset()
    assert hm.sync(context) == 1
    # Only the changed row came back, in two queries; no full reload.
    assert [(r['host'], r['free_ram_mb']) for r in queries.rows
            if 'free_ram_mb' in r] == [('host1', 100)]
    assert len(queries.rows) == 1 and queries.selects == 2
    after = {s.host: s for s in hm.get_all_host_states()}
    assert after['host1'] is before['host1']
    assert (after['host1'].free_ram_mb, after['host1'].vcpus_used) == (
        100, 5)
    assert after['host2'].free_ram_mb == 16384


def test_sync_overlap_rereads_but_does_not_reapply(context, conf):
    conf.config(sync_overlap=60, group='scheduler')
    _add_host(context, 'host1')
    hm = host_manager.HostManager()
    hm.load(context)
    position = hm.change_position
    assert hm.sync(context) == 0
    assert hm.change_position == position


def test_sync_picks_up_new_and_deleted_nodes(context):
    _add_host(context, 'host1')
    hm = host_manager.HostManager()
    hm.load(context)
    _, node2 = _add_host(context, 'host2')
    hm.sync(context)
    assert {s.host for s in hm.get_all_host_states()} == {'host1', 'host2'}
    compute_node_db.compute_node_delete(context, node2['id'])
    hm.sync(context)
    assert {s.host for s in hm.get_all_host_states()} == {'host1'}
    assert ('host2', 'host2') in hm.changes_since(0)


def test_sync_picks_up_service_changes(context, conf):
    service, _ = _add_host(context, 'host1')
    hm = host_manager.HostManager()
    hm.load(context)
    position = hm.change_position
    service_db.service_update(context, service['id'],
                              {'disabled': True,
                               'availability_zone': 'zone-9'})
    hm.sync(context)
    state = hm.host_states[('host1', 'host1')]
    assert state.service['disabled'] is True
    assert state.availability_zone == 'zone-9'
    assert hm.changes_since(position) == [('host1', 'host1')]
    # The service goes away: its host is no longer schedulable.
    service_db.service_destroy(context, service['id'])
    hm.sync(context)
    assert hm.get_all_host_states() == []


def test_heartbeat_updates_service_without_logging_a_change(context):
    service, _ = _add_host(context, 'host1')
    hm = host_manager.HostManager()
    hm.load(context)
    position = hm.change_position
    beat = service_db.service_heartbeat(context, service['id'])
    hm.sync(context)
    assert hm.host_states[('host1', 'host1')].service['last_seen_up'] == (
        beat['last_seen_up'])
    assert hm.changes_since(position) == []


def test_instance_hosts_query(context):
    table = models.Instance.__table__
    with db_session.get_engine().begin() as conn:
        conn.execute(sa.insert(table), [
            {'uuid': 'u1', 'host': 'host1', 'project_id': 'p1', 'deleted': 0},
            {'uuid': 'u2', 'host': 'host1', 'project_id': 'p1', 'deleted': 0},
            {'uuid': 'u3', 'host': 'host2', 'project_id': 'p2', 'deleted': 0},
            {'uuid': 'u4', 'host': None, 'project_id': 'p1', 'deleted': 0},
            {'uuid': 'u5', 'host': 'host5', 'project_id': 'p1',
             'deleted': 5}])
    uuids = ['u1', 'u2', 'u3', 'u4', 'u5', 'nope']
    assert scheduler_db.instance_hosts(context, uuids) == {'host1', 'host2'}
    assert scheduler_db.instance_hosts(context, uuids,
                                       project_id='p1') == {'host1'}
    assert scheduler_db.instance_hosts(context, []) == set()


# Without the database ----------------------------------------------------

def _view(*rows):
    hm = host_manager.HostManager()
    services = [r for r in rows if r.get('binary')]
    nodes = [r for r in rows if not r.get('binary')]
    hm.apply_rows(services, nodes)
    return hm


def test_nodes_without_service_are_not_schedulable():
    hm = _view(fakes.node_row('host1'), fakes.node_row('host2'),
               fakes.service_row('host2'))
    assert [s.host for s in hm.get_all_host_states()] == ['host2']
    hm.apply_rows([fakes.service_row('host1')], [])
    assert [s.host for s in hm.get_all_host_states()] == ['host1', 'host2']


def test_service_going_down_is_logged_when_its_heartbeat_expires(conf):
    # service_down_time is 5 in the conf fixture.
    now = timeutils.utcnow()
    hm = host_manager.HostManager()
    hm.apply_rows([fakes.service_row('host1', last_seen_up=now)],
                  [fakes.node_row('host1')], now=now)
    position = hm.change_position
    hm.check_liveness(now + datetime.timedelta(seconds=4))
    assert hm.changes_since(position) == []
    hm.check_liveness(now + datetime.timedelta(seconds=6))
    assert hm.changes_since(position) == [('host1', 'host1')]
    # A new heartbeat brings it back up: logged again.
    later = now + datetime.timedelta(seconds=7)
    hm.apply_rows([fakes.service_row('host1', last_seen_up=later,
                                     updated_at=later)], [], now=later)
    assert hm.changes_since(position) == [('host1', 'host1')] * 2


def test_placements_count_on_top_of_older_rows_only():
    row = fakes.node_row('host1', updated_at=fakes.ago(10))
    hm = _view(fakes.service_row('host1'), row)
    state = hm.host_states[('host1', 'host1')]
    hm.consume(state, fakes.spec(memory_mb=1000, vcpus=2, root_gb=10))
    assert (state.free_ram_mb, state.vcpus_used, state.free_disk_mb,
            state.num_instances) == (16384 - 1000, 2, (200 - 10) * 1024, 1)
    # The compute's report from before the placement does not undo it ...
    stale = dict(row, updated_at=fakes.ago(5))
    hm.apply_rows([], [stale])
    assert state.free_ram_mb == 16384 - 1000
    # ... a report written after it holds it: not counted twice.
    later = dict(row, updated_at=timeutils.utcnow() + datetime.timedelta(
        seconds=0.1), free_ram_mb=15000)
    hm.apply_rows([], [later])
    assert (state.free_ram_mb, state.num_instances) == (15000, 0)
    # A row no newer than the one taken changes nothing.
    hm.apply_rows([], [dict(later, free_ram_mb=1)])
    assert state.free_ram_mb == 15000


def test_frees_reach_the_view_while_placements_keep_coming():
    """A row that came after a placement still brings what was freed
    (deleted instances): a busy host must not look full."""
    row = fakes.node_row('host1', created_at=fakes.ago(20),
                         updated_at=fakes.ago(10), free_ram_mb=1000)
    hm = _view(fakes.service_row('host1'), row)
    state = hm.host_states[('host1', 'host1')]
    hm.consume(state, fakes.spec(memory_mb=500))
    assert state.free_ram_mb == 500
    # Written a moment before that placement, after deletes freed 8 GB.
    freed = dict(row, free_ram_mb=9000, updated_at=fakes.ago(0.5))
    hm.apply_rows([], [freed])
    assert state.free_ram_mb == 9000 - 500


def test_release_undoes_consume():
    hm = _view(fakes.service_row('host1'), fakes.node_row('host1'))
    state = hm.host_states[('host1', 'host1')]
    spec = fakes.spec(memory_mb=1000, vcpus=2, root_gb=10, swap=512)
    hm.consume(state, spec)
    hm.release(state, spec)
    assert (state.free_ram_mb, state.vcpus_used, state.free_disk_mb,
            state.disk_mb_used, state.num_instances) == (
        16384, 0, 200 * 1024, 0, 0)


def test_change_log_is_trimmed_and_says_when_it_cannot_reach_back():
    hm = _view(fakes.service_row('host1'), fakes.node_row('host1'))
    state = hm.host_states[('host1', 'host1')]
    spec = fakes.spec()
    for _ in range(5000):
        hm.consume(state, spec)
    assert hm.changes_since(0) is None
    assert hm.changes_since(hm.change_position) == []
    assert len(hm.changes_since(hm.change_position - 3)) == 3


def test_fair_lock_is_handed_over_in_arrival_order():
    import threading
    import time
    lock = host_manager.FairLock()
    order = []

    def take(n):
        with lock:
            order.append(n)

    lock.acquire()
    threads = []
    for n in range(5):
        thread = threading.Thread(target=take, args=(n,))
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 5
        while len(lock._waiters) < n + 1 and time.monotonic() < deadline:
            time.sleep(0.001)
    lock.release()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]
    assert lock.acquire() and (lock.release() is None)


def test_a_row_stamped_in_the_future_does_not_hide_later_rows(context, conf):
    conf.config(sync_overlap=0, group='scheduler')
    _, node1 = _add_host(context, 'host1')
    _, node2 = _add_host(context, 'host2')
    hm = host_manager.HostManager()
    hm.load(context)
    # A writer whose clock runs an hour ahead.
    table = models.ComputeNode.__table__
    with db_session.get_engine().begin() as conn:
        conn.execute(sa.update(table).where(table.c.id == node1['id'])
                     .values(free_ram_mb=1, updated_at=timeutils.utcnow() +
                             datetime.timedelta(hours=1)))
    hm.sync(context)
    assert hm.host_states[('host1', 'host1')].free_ram_mb == 1
    compute_node_db.compute_node_update(context, node2['id'],
                                        {'free_ram_mb': 2})
    hm.sync(context)
    assert hm.host_states[('host2', 'host2')].free_ram_mb == 2
