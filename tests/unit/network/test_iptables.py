"""IptablesManager against an in-memory iptables (no root needed); the
real thing is tested in tests/integration/network/test_iptables.py."""

import threading

import pytest

from nimbus import exception
from nimbus.network.linux import command
from nimbus.network.linux import iptables
from tests.unit.network import fake_iptables


@pytest.fixture
def kernel(monkeypatch):
    fake = fake_iptables.FakeIptables()
    fake.tables['filter']['FORWARD'].append('-s 192.0.2.1/32 -j DROP')
    monkeypatch.setattr(command, 'run', fake.run)
    return fake


def test_deferred_changes_go_in_one_restore_per_table(kernel):
    ipt = iptables.IptablesManager()
    with ipt.deferred():
        with ipt.deferred():
            ipt.set_rules('filter', 'nimbus-a', ['-j ACCEPT'])
            ipt.ensure_jump('filter', 'FORWARD', 'nimbus-a')
        ipt.set_rules('nat', 'nimbus-b', ['-j RETURN'])
        ipt.ensure_jump('nat', 'POSTROUTING', 'nimbus-b', top=False)
        assert kernel.restores == []
    assert len(kernel.restores) == 2
    assert kernel.tables['filter']['FORWARD'] == [
        '-j nimbus-a', '-s 192.0.2.1/32 -j DROP']
    assert ipt.apply() == 0


def test_only_its_own_chains(kernel):
    ipt = iptables.IptablesManager()
    for chain in ('FORWARD', 'foreign', 'nimbus-' + 'x' * 30):
        with pytest.raises(ValueError):
            ipt.set_rules('filter', chain, [])


def test_restart_adopts_chains_and_writes_nothing(kernel):
    def declare(ipt):
        ipt.set_rules('filter', 'nimbus-a', ['-j nimbus-b'])
        ipt.add_rule('filter', 'nimbus-b', '-d 10.0.0.2/32 -j ACCEPT')
        ipt.ensure_jump('filter', 'FORWARD', 'nimbus-a')
        return ipt.apply()

    assert declare(iptables.IptablesManager()) == 1
    state = kernel.save('filter')
    assert declare(iptables.IptablesManager()) == 0
    assert kernel.save('filter') == state
    # A rule added by the previous run stays, without duplicate.
    again = iptables.IptablesManager()
    again.add_rule('filter', 'nimbus-b', '-d 10.0.0.3/32 -j ACCEPT')
    again.apply()
    assert kernel.tables['filter']['nimbus-b'] == [
        '-d 10.0.0.2/32 -j ACCEPT', '-d 10.0.0.3/32 -j ACCEPT']
    assert kernel.restores[-1].splitlines() == [
        '*filter', '-A nimbus-b -d 10.0.0.3/32 -j ACCEPT', 'COMMIT']


def test_removal_leaves_foreign_rules(kernel):
    before = kernel.save('filter')
    ipt = iptables.IptablesManager()
    ipt.set_rules('filter', 'nimbus-a', ['-j nimbus-b'])
    ipt.set_rules('filter', 'nimbus-b', ['-j DROP'])
    ipt.ensure_jump('filter', 'FORWARD', 'nimbus-a')
    ipt.apply()
    restarted = iptables.IptablesManager()
    restarted.remove_chain('filter', 'nimbus-b')
    restarted.remove_chain('filter', 'nimbus-a')
    restarted.apply()
    assert kernel.save('filter') == before


def test_failed_restore_reads_the_kernel_again(kernel):
    ipt = iptables.IptablesManager()
    ipt.set_rules('filter', 'nimbus-a', ['-j ACCEPT'])
    ipt.apply()
    # Someone else removes our chain behind our back...
    del kernel.tables['filter']['nimbus-a']
    ipt.remove_rule('filter', 'nimbus-a', '-j ACCEPT')
    with pytest.raises(exception.HostCommandFailed):
        ipt.apply()
    saves = kernel.saves
    # ...the next apply compares with what is really there.
    ipt.set_rules('filter', 'nimbus-a', ['-j DROP'])
    ipt.apply()
    assert kernel.saves == saves + 1
    assert kernel.tables['filter']['nimbus-a'] == ['-j DROP']


@pytest.mark.parametrize('old,new,expected', [
    (['a', 'b', 'c'], ['a', 'c', 'd'], (['b'], ['d'])),
    (['a', 'b'], ['a', 'b'], ([], [])),
    ([], ['a'], ([], ['a'])),
    (['a', 'b'], ['b', 'a'], (['a'], ['a'])),
    (['a', 'a'], ['a'], None),
])
def test_incremental_diff(old, new, expected):
    assert iptables.incremental_diff(old, new) == expected


def test_dispatch_chain_changes_are_incremental(kernel):
    ipt = iptables.IptablesManager()
    ipt.set_rules('filter', 'nimbus-d', ['-d 10.0.%d.1/32 -j ACCEPT' % n
                                         for n in range(200)])
    ipt.apply()
    ipt.remove_rule('filter', 'nimbus-d', '-d 10.0.50.1/32 -j ACCEPT')
    ipt.add_rule('filter', 'nimbus-d', '-d 10.1.0.1/32 -j ACCEPT')
    ipt.apply()
    assert kernel.restores[-1].splitlines() == [
        '*filter', '-D nimbus-d -d 10.0.50.1/32 -j ACCEPT',
        '-A nimbus-d -d 10.1.0.1/32 -j ACCEPT', 'COMMIT']
    # A rule in the middle rewrites the chain.
    rules = ipt.rules('filter', 'nimbus-d')
    ipt.set_rules('filter', 'nimbus-d', ['-j DROP'] + rules)
    ipt.apply()
    assert kernel.restores[-1].splitlines()[1] == ':nimbus-d - [0:0]'
    assert kernel.tables['filter']['nimbus-d'][0] == '-j DROP'


def test_replace_jumps_to_keeps_others_in_place(kernel):
    ipt = iptables.IptablesManager()
    ipt.set_rules('filter', 'nimbus-d', ['-d 10.0.0.1/32 -j nimbus-x',
                                         '-d 10.0.0.2/32 -j nimbus-y'])
    ipt.replace_jumps_to('filter', 'nimbus-d', 'nimbus-x',
                         ['-d 10.0.0.1/32 -j nimbus-x',
                          '-d 10.0.0.3/32 -j nimbus-x'])
    assert ipt.rules('filter', 'nimbus-d') == [
        '-d 10.0.0.1/32 -j nimbus-x', '-d 10.0.0.2/32 -j nimbus-y',
        '-d 10.0.0.3/32 -j nimbus-x']
    ipt.replace_jumps_to('filter', 'nimbus-d', 'nimbus-x', [])
    assert ipt.rules('filter', 'nimbus-d') == ['-d 10.0.0.2/32 -j nimbus-y']


def test_threads_do_not_lose_changes(kernel):
    ipt = iptables.IptablesManager()
    ipt.ensure_chain('filter', 'nimbus-d')
    ipt.apply()

    def worker(k):
        for n in range(25):
            with ipt.deferred():
                ipt.set_rules('filter', 'nimbus-t%d-%d' % (k, n),
                              ['-j DROP'])
                ipt.add_rule('filter', 'nimbus-d', '-d 10.%d.%d.1/32 -j '
                             'nimbus-t%d-%d' % (k, n, k, n))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(kernel.tables['filter']['nimbus-d']) == 200
    assert len(kernel.restores) == 1 + 200


def test_removal_of_what_someone_else_removed_goes_through(kernel):
    ipt = iptables.IptablesManager()
    ipt.set_rules('filter', 'nimbus-a', ['-j ACCEPT'])
    ipt.ensure_jump('filter', 'INPUT', 'nimbus-a')
    ipt.apply()
    kernel.tables['filter']['INPUT'].remove('-j nimbus-a')
    del kernel.tables['filter']['nimbus-a']
    ipt.remove_chain('filter', 'nimbus-a')
    with pytest.raises(exception.HostCommandFailed):
        ipt.apply()
    # Read again, nothing is left to remove: no error, nothing written.
    restores = len(kernel.restores)
    assert ipt.apply() == 0
    assert len(kernel.restores) == restores
