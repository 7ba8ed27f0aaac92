"""The weighers and Nova's normalization."""

import pytest

from nimbus.scheduler import weights
from nimbus.scheduler.weights import cpu
from nimbus.scheduler.weights import disk
from nimbus.scheduler.weights import ram
from tests.unit.scheduler import fakes


def _hosts():
    return [fakes.host_state('small', memory_mb=4096, vcpus=4,
                             local_gb=50),
            fakes.host_state('big', memory_mb=32768, vcpus=32,
                             local_gb=1000),
            fakes.host_state('medium', memory_mb=8192, vcpus=8,
                             local_gb=100)]


def _names(weighed):
    return [state.host for _, state in weighed]


def test_all_weighers_load_by_default(conf):
    from nimbus.conf import CONF
    loaded = weights.load_weighers(CONF.scheduler_weight_classes)
    assert [w.name for w in loaded] == ['CPUWeigher', 'DiskWeigher',
                                        'RAMWeigher']


def test_load_weighers_by_name_and_path():
    loaded = weights.load_weighers(
        ['RAMWeigher', 'nimbus.scheduler.weights.disk.DiskWeigher',
         'RAMWeigher'])
    assert [w.name for w in loaded] == ['RAMWeigher', 'DiskWeigher']
    with pytest.raises(ValueError):
        weights.load_weighers(['NoSuchWeigher'])


def test_raw_values():
    state = fakes.host_state(memory_mb=2048, free_ram_mb=1000, vcpus=4,
                             vcpus_used=10, cpu_allocation_ratio=4.0,
                             local_gb=10, free_disk_gb=3)
    spec = fakes.spec()
    assert ram.RAMWeigher().weigh_object(state, spec) == 1000
    assert cpu.CPUWeigher().weigh_object(state, spec) == 6.0
    assert disk.DiskWeigher().weigh_object(state, spec) == 3 * 1024


def test_normalized_to_zero_one_and_multiplied(conf):
    conf.config(ram_weight_multiplier=2.0)
    weighed = weights.get_weighed_hosts([ram.RAMWeigher()], _hosts(),
                                        fakes.spec())
    assert _names(weighed) == ['big', 'medium', 'small']
    # (free - lowest) / (highest - lowest), times the multiplier.
    assert [w for w, _ in weighed] == [2.0, 2.0 * 4096 / 28672, 0.0]


def test_positive_multiplier_spreads_negative_stacks(conf):
    weighers = [ram.RAMWeigher()]
    conf.config(ram_weight_multiplier=1.0)
    assert _names(weights.get_weighed_hosts(
        weighers, _hosts(), fakes.spec()))[0] == 'big'
    conf.config(ram_weight_multiplier=-1.0)
    assert _names(weights.get_weighed_hosts(
        weighers, _hosts(), fakes.spec()))[0] == 'small'


def test_equal_values_weigh_zero_and_keep_order():
    hosts = [fakes.host_state('a'), fakes.host_state('b')]
    weighed = weights.get_weighed_hosts([ram.RAMWeigher()], hosts,
                                        fakes.spec())
    assert weighed == [(0.0, hosts[0]), (0.0, hosts[1])]


def test_zero_multiplier_ignores_the_weigher(conf):
    conf.config(ram_weight_multiplier=0.0, disk_weight_multiplier=1.0)
    hosts = [fakes.host_state('more-ram', memory_mb=65536, local_gb=10),
             fakes.host_state('more-disk', memory_mb=1024, local_gb=900)]
    weighed = weights.get_weighed_hosts(
        [ram.RAMWeigher(), disk.DiskWeigher()], hosts, fakes.spec())
    assert _names(weighed) == ['more-disk', 'more-ram']


def test_weighers_sum_their_normalized_terms(conf):
    conf.config(ram_weight_multiplier=1.0, cpu_weight_multiplier=3.0)
    hosts = [fakes.host_state('ram-rich', memory_mb=65536, vcpus=2),
             fakes.host_state('cpu-rich', memory_mb=1024, vcpus=64)]
    weighed = weights.get_weighed_hosts(
        [ram.RAMWeigher(), cpu.CPUWeigher()], hosts, fakes.spec())
    assert _names(weighed) == ['cpu-rich', 'ram-rich']
    assert [w for w, _ in weighed] == [3.0, 1.0]


def test_pool_weighing_agrees_with_weight_of_to_the_bit():
    # The pools weigh in numpy arrays (and a few hosts in Python floats);
    # the plain path in Python numbers, ints included: the same bits.
    import random
    import numpy
    from nimbus.scheduler import host_pool
    rng = random.Random(3)
    for n in range(4):
        for _ in range(100):
            multipliers = [rng.choice([-3.0, -1.0, 0.0, 0.5, 1.0, 2.0])
                           for _ in range(n)]
            hosts = [[rng.choice([rng.uniform(-1e6, 1e6),
                                  rng.randrange(-2 ** 40, 2 ** 40),
                                  rng.randrange(0, 4) * 512])
                      for _ in range(n)] for _ in range(7)]
            lows = [min(h[i] for h in hosts) for i in range(n)]
            highs = [max(h[i] for h in hosts) for i in range(n)]
            expected = []
            for h in hosts:
                weight = 0.0
                for i, multiplier in enumerate(multipliers):
                    if multiplier and lows[i] != highs[i]:
                        weight += weights.weight_of(
                            multiplier, h[i], lows[i], highs[i] - lows[i])
                expected.append(weight)
            values = numpy.array(hosts, dtype=float).reshape(7, n).T
            got = host_pool.weigh_all(values, values.min(axis=1),
                                      values.max(axis=1), multipliers)
            assert got.tolist() == expected
            terms = host_pool.terms_of(values.min(axis=1).tolist(),
                                       values.max(axis=1).tolist(),
                                       multipliers)
            assert [host_pool.weigh_one(column, terms)
                    for column in values.T.tolist()] == expected
