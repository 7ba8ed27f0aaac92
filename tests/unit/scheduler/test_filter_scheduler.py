"""The filter scheduler's select_destinations on an in-memory host view."""

import random

import pytest

from nimbus import exception
from nimbus.scheduler import filter_scheduler
from nimbus.scheduler import weights
from tests.unit.scheduler import fakes


class _Context:
    is_admin = True
    project_id = 'project-1'


CTX = _Context()


def _scheduler(hosts):
    return filter_scheduler.FilterScheduler(
        host_manager=fakes.host_view(hosts))


def _hosts(result):
    return [r['host'] for r in result]


def test_multiple_create_spreads_over_equal_hosts():
    sched = _scheduler({'h1': {}, 'h2': {}, 'h3': {}})
    result = sched.select_destinations(CTX, fakes.request(num_instances=3),
                                       {})
    assert sorted(_hosts(result)) == ['h1', 'h2', 'h3']
    for r in result:
        assert r['nodename'] == r['host']
        assert r['limits'] == {'memory_mb': 16384 * 1.5, 'vcpu': 8 * 16.0,
                               'disk_gb': 200.0}


def test_result_is_json_safe_plain_data():
    sched = _scheduler({'h1': {}})
    result = sched.select_destinations(CTX, fakes.request(), {})
    assert result == [{'host': 'h1', 'nodename': 'h1',
                       'limits': {'memory_mb': 24576.0, 'vcpu': 128.0,
                                  'disk_gb': 200.0}}]


def test_spreads_to_the_host_with_most_free_resources():
    sched = _scheduler({'small': {'memory_mb': 4096, 'vcpus': 4,
                                  'local_gb': 40},
                        'big': {'memory_mb': 65536, 'vcpus': 64,
                                'local_gb': 2000}})
    assert _hosts(sched.select_destinations(CTX, fakes.request(),
                                            {})) == ['big']


def test_negative_multipliers_stack(conf):
    conf.config(ram_weight_multiplier=-1.0, cpu_weight_multiplier=-1.0,
                disk_weight_multiplier=-1.0)
    sched = _scheduler({'h1': {}, 'h2': {}, 'h3': {}})
    result = sched.select_destinations(CTX, fakes.request(num_instances=3),
                                       {})
    assert len(set(_hosts(result))) == 1


def test_back_to_back_requests_see_each_others_consumption(conf):
    conf.config(ram_allocation_ratio=1.0)
    sched = _scheduler({'h1': {'memory_mb': 2048}})
    sched.select_destinations(CTX, fakes.request(memory_mb=1536), {})
    with pytest.raises(exception.NoValidHost) as err:
        sched.select_destinations(CTX, fakes.request(memory_mb=1536), {})
    assert 'RamFilter returned 0 hosts' in str(err.value)


def test_no_valid_host_names_the_filter_and_the_counts(conf):
    conf.config(ram_allocation_ratio=1.0)
    sched = _scheduler({'h1': {'memory_mb': 1024},
                        'h2': {'memory_mb': 2048}})
    with pytest.raises(exception.NoValidHost) as err:
        sched.select_destinations(CTX, fakes.request(memory_mb=4096), {})
    message = str(err.value)
    assert message.startswith('No valid host was found. RamFilter returned '
                              '0 hosts')
    assert 'ComputeFilter 2' in message and 'RamFilter 0' in message
    assert err.value.code == 400


def test_partial_fit_fails_whole_and_gives_back_what_it_took(conf):
    conf.config(ram_allocation_ratio=1.0)
    sched = _scheduler({'h1': {'memory_mb': 2048},
                        'h2': {'memory_mb': 2048}})
    with pytest.raises(exception.NoValidHost) as err:
        sched.select_destinations(
            CTX, fakes.request(memory_mb=2048, num_instances=3), {})
    assert 'Only 2 of 3 instances could be placed' in str(err.value)
    assert 'RamFilter returned 0 hosts' in str(err.value)
    free = [s.free_ram_mb for s in
            sched.host_manager.get_all_host_states()]
    assert free == [2048, 2048]
    # And both hosts are still usable.
    result = sched.select_destinations(
        CTX, fakes.request(memory_mb=2048, num_instances=2), {})
    assert sorted(_hosts(result)) == ['h1', 'h2']


def test_retry_excludes_hosts_tried_before():
    sched = _scheduler({'h1': {}, 'h2': {}, 'h3': {}})
    retry = {'num_attempts': 3, 'hosts': [['h1', 'h1'], ['h3', 'h3']]}
    for _ in range(3):
        result = sched.select_destinations(CTX, fakes.request(),
                                           {'retry': retry})
        assert _hosts(result) == ['h2']


def test_retry_with_every_host_tried_names_retry_filter():
    sched = _scheduler({'h1': {}})
    with pytest.raises(exception.NoValidHost) as err:
        sched.select_destinations(CTX, fakes.request(), {
            'retry': {'num_attempts': 2, 'hosts': [['h1', 'h1']]}})
    assert 'RetryFilter returned 0 hosts' in str(err.value)


def test_too_many_attempts(conf):
    conf.config(scheduler_max_attempts=3)
    sched = _scheduler({'h1': {}})
    request = fakes.request()
    with pytest.raises(exception.NoValidHost) as err:
        sched.select_destinations(CTX, request, {
            'retry': {'num_attempts': 4, 'hosts': [],
                      'exc_reason': 'disk full'}})
    assert ('Exceeded max scheduling attempts 3 for instance uuid-0. '
            'Last exception: disk full') in str(err.value)
    # The third attempt is still made.
    sched.select_destinations(CTX, request, {
        'retry': {'num_attempts': 3, 'hosts': []}})


def test_availability_zone(conf):
    sched = _scheduler({'h1': ({}, {'availability_zone': 'az1'}),
                        'h2': ({}, {'availability_zone': 'az2'}),
                        'h3': {}})
    assert _hosts(sched.select_destinations(
        CTX, fakes.request(availability_zone='az2'), {})) == ['h2']
    assert _hosts(sched.select_destinations(
        CTX, fakes.request(availability_zone='nimbus'), {})) == ['h3']
    with pytest.raises(exception.NoValidHost) as err:
        sched.select_destinations(
            CTX, fakes.request(availability_zone='az9'), {})
    assert 'AvailabilityZoneFilter returned 0 hosts' in str(err.value)


def test_disabled_and_down_hosts_are_skipped():
    sched = _scheduler({'off': ({}, {'disabled': True}),
                        'down': ({}, {'last_seen_up': fakes.ago(600),
                                      'updated_at': fakes.ago(600),
                                      'created_at': fakes.ago(600)}),
                        'ok': {'memory_mb': 1024}})
    result = sched.select_destinations(CTX, fakes.request(num_instances=2),
                                       {})
    assert _hosts(result) == ['ok', 'ok']


def test_forced_host_bypasses_filters(conf):
    conf.config(ram_allocation_ratio=1.0)
    sched = _scheduler({'h1': {}, 'tiny': {'memory_mb': 256}})
    assert _hosts(sched.select_destinations(
        CTX, fakes.request(memory_mb=4096, availability_zone='nimbus:tiny'),
        {})) == ['tiny']
    assert _hosts(sched.select_destinations(
        CTX, fakes.request(), {'force_hosts': ['h1']})) == ['h1']
    with pytest.raises(exception.NoValidHost) as err:
        sched.select_destinations(
            CTX, fakes.request(availability_zone=':nosuch'), {})
    assert 'nosuch' in str(err.value)


def test_hints_same_and_different_host(monkeypatch):
    from nimbus.scheduler.filters import same_host
    monkeypatch.setattr(same_host.scheduler_db, 'instance_hosts',
                        lambda ctx, uuids, project_id=None: {'h2'})
    sched = _scheduler({'h1': {}, 'h2': {}, 'h3': {}})
    for _ in range(3):
        assert _hosts(sched.select_destinations(CTX, fakes.request(
            hints={'same_host': ['u']}), {})) == ['h2']
    assert 'h2' not in _hosts(sched.select_destinations(
        CTX, fakes.request(num_instances=2,
                           hints={'different_host': ['u']}), {}))


def test_no_hosts_at_all():
    sched = _scheduler({})
    with pytest.raises(exception.NoValidHost) as err:
        sched.select_destinations(CTX, fakes.request(), {})
    assert 'knows no compute host' in str(err.value)


def test_subset_size_picks_among_the_best(conf):
    conf.config(scheduler_host_subset_size=2)
    sched = _scheduler({'best': {'memory_mb': 65536},
                        'second': {'memory_mb': 32768},
                        'worst': {'memory_mb': 1024}})
    picked = set()
    for _ in range(40):
        result = sched.select_destinations(CTX, fakes.request(
            memory_mb=1, vcpus=0, root_gb=0), {})
        picked.update(_hosts(result))
    assert picked == {'best', 'second'}


def test_image_properties_filter_in_the_chain():
    sched = _scheduler({
        'arm': {'supported_instances': '[["aarch64", "qemu", "hvm"]]'},
        'x86': {'supported_instances': '[["x86_64", "kvm", "hvm"]]'}})
    assert _hosts(sched.select_destinations(CTX, fakes.request(
        image_properties={'architecture': 'aarch64'}), {})) == ['arm']
    with pytest.raises(exception.NoValidHost) as err:
        sched.select_destinations(CTX, fakes.request(
            image_properties={'architecture': 'ppc64le'}), {})
    assert 'ImagePropertiesFilter returned 0 hosts' in str(err.value)


def test_view_changes_reach_the_cached_pools():
    sched = _scheduler({'h1': {}, 'h2': {'memory_mb': 1024}})
    assert _hosts(sched.select_destinations(CTX, fakes.request(),
                                            {})) == ['h1']
    hm = sched.host_manager
    hm.apply_rows([fakes.service_row('h1', disabled=True)], [])
    assert _hosts(sched.select_destinations(CTX, fakes.request(),
                                            {})) == ['h2']
    hm.apply_rows([], [fakes.node_row('h3', memory_mb=999999)])
    hm.apply_rows([fakes.service_row('h3')], [])
    assert _hosts(sched.select_destinations(CTX, fakes.request(),
                                            {})) == ['h3']


# The pools give the plain answer -----------------------------------------

def _random_rows(rng, n):
    hosts = {}
    for i in range(n):
        memory = rng.choice([4096, 8192, 16384, 65536])
        # 0: a node that reports no CPUs yet (CoreFilter lets it through).
        vcpus = rng.choice([0, 4, 8, 16, 32])
        local_gb = rng.choice([40, 100, 500])
        hosts['h%02d' % i] = ({
            'memory_mb': memory, 'vcpus': vcpus, 'local_gb': local_gb,
            'free_ram_mb': rng.randrange(0, memory + 1, 256),
            'vcpus_used': rng.randrange(0, vcpus * 2 + 1),
            'free_disk_gb': rng.randrange(0, local_gb + 1),
            'supported_instances': rng.choice(
                [None, '[["x86_64", "kvm", "hvm"]]'])},
            {'availability_zone': rng.choice([None, 'az1']),
             'disabled': rng.random() < 0.1})
    return hosts


@pytest.mark.parametrize('seed', range(8))
def test_pools_give_the_plain_answer(conf, seed, monkeypatch):
    rng = random.Random(seed)
    multipliers = [rng.choice([-2.0, -1.0, 0.0, 1.0, 3.0])
                   for _ in range(3)]
    # Odd seeds draw among the three best (scheduler_host_subset_size).
    best = 1 if seed % 2 == 0 else 3
    conf.config(ram_weight_multiplier=multipliers[0],
                cpu_weight_multiplier=multipliers[1],
                disk_weight_multiplier=multipliers[2],
                scheduler_host_subset_size=best)
    from nimbus.scheduler.filters import same_host
    monkeypatch.setattr(same_host.scheduler_db, 'instance_hosts',
                        lambda ctx, uuids, project_id=None: set(uuids))
    sched = _scheduler(_random_rows(rng, 40))
    hm = sched.host_manager
    names = sorted(s.host for s in hm.get_all_host_states())
    for step in range(300):
        hints = {}
        if rng.random() < 0.1:
            hints['different_host'] = rng.sample(names, 5)
        if rng.random() < 0.05:
            hints['same_host'] = rng.sample(names, 3)
        retry = None
        if rng.random() < 0.2:
            retry = {'num_attempts': 2,
                     'hosts': [[h, h] for h in rng.sample(names, 4)]}
        spec = fakes.spec(
            memory_mb=rng.choice([64, 512, 2048, 8192]),
            vcpus=rng.choice([1, 2, 4]), root_gb=rng.choice([0, 1, 20]),
            availability_zone=rng.choice([None, None, 'az1', 'nimbus']),
            image_properties=rng.choice([{}, {'architecture': 'x86_64'}]),
            hints=hints, retry=retry)
        for f in sched.filters:
            f.prepare(CTX, spec)
        plain = weights.get_weighed_hosts(
            sched.weighers, sched.get_filtered_hosts(spec), spec)
        fast = sched.get_weighed_candidates(spec)
        if not plain:
            assert fast == []
            continue
        # The very same answer, to the last bit and tie.
        assert fast == plain[:best], step
        hm.consume(fast[0][1], spec)
        if rng.random() < 0.1:
            # A compute reports in; a service changes.
            name = rng.choice(names)
            hm.apply_rows([], [fakes.node_row(
                name, memory_mb=16384, free_ram_mb=rng.randrange(16384),
                vcpus=8, vcpus_used=rng.randrange(8))])
        if rng.random() < 0.05:
            hm.apply_rows([fakes.service_row(
                rng.choice(names), disabled=rng.random() < 0.5)], [])


def test_a_host_whose_heartbeat_gets_too_old_is_no_longer_chosen(
        conf, monkeypatch):
    # service_down_time is 5 in the conf fixture.
    import datetime
    from oslo_utils import timeutils
    clock = [timeutils.utcnow()]
    monkeypatch.setattr(timeutils, 'utcnow', lambda: clock[0])
    sched = _scheduler({'fresh': {'memory_mb': 1024},
                        'ageing': {'memory_mb': 65536}})
    assert _hosts(sched.select_destinations(
        CTX, fakes.request(), {})) == ['ageing']
    # No row changes for 'ageing': only the clock moves past its heartbeat.
    clock[0] += datetime.timedelta(seconds=6)
    sched.host_manager.apply_rows([fakes.service_row('fresh')], [])
    assert _hosts(sched.select_destinations(
        CTX, fakes.request(), {})) == ['fresh']


def test_rolled_back_request_leaves_pools_consistent(conf):
    conf.config(ram_allocation_ratio=1.0)
    sched = _scheduler({'h1': {'memory_mb': 4096},
                        'h2': {'memory_mb': 2048}})
    with pytest.raises(exception.NoValidHost):
        sched.select_destinations(
            CTX, fakes.request(memory_mb=2048, num_instances=4), {})
    plain = weights.get_weighed_hosts(
        sched.weighers, sched.get_filtered_hosts(fakes.spec(memory_mb=2048)),
        fakes.spec(memory_mb=2048))
    fast = sched.get_weighed_candidates(fakes.spec(memory_mb=2048))
    assert fast == plain[:1]
