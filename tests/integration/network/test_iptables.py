"""IptablesManager against a real iptables (nf_tables) in a namespace."""

import re

import pytest

from tests.integration.network import netns

MANAGER = 'nimbus.network.linux.iptables.IptablesManager'

FOREIGN = [
    ['iptables', '-A', 'FORWARD', '-s', '192.0.2.1', '-j', 'DROP'],
    ['iptables', '-N', 'foreign-chain'],
    ['iptables', '-A', 'foreign-chain', '-p', 'tcp', '--dport', '22',
     '-j', 'ACCEPT'],
    ['iptables', '-A', 'INPUT', '-j', 'foreign-chain'],
    ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', '192.0.2.0/24',
     '-j', 'MASQUERADE'],
]


def normalized(save):
    """iptables-save without comments and counters."""
    return [re.sub(r'\[\d+:\d+\]', '[0:0]', line)
            for line in save.splitlines() if not line.startswith('#')]


@pytest.fixture
def cloud(namespaces, agents, config_file):
    ns = namespaces('ipt')
    for argv in FOREIGN:
        ns.exec(*argv)
    before = normalized(ns.iptables_save())
    agent = agents(ns, config_file)
    agent.create('ipt', MANAGER)
    return ns, agent, before


def _build(agent):
    """A state like the driver's: jumps, ordered and dispatch chains."""
    agent.call('ipt', 'ensure_jump', 'filter', 'FORWARD', 'nimbus-top')
    agent.call('ipt', 'set_rules', 'filter', 'nimbus-top',
               ['-j nimbus-dispatch'])
    agent.call('ipt', 'ensure_chain', 'filter', 'nimbus-dispatch')
    for n in range(5):
        agent.call('ipt', 'set_rules', 'filter', 'nimbus-inst-%d' % n, [
            '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
            '-s 10.0.0.0/24 -p tcp -m tcp --dport 22 -j ACCEPT',
            '-j DROP'])
        agent.call('ipt', 'add_rule', 'filter', 'nimbus-dispatch',
                   '-d 10.0.0.%d/32 -j nimbus-inst-%d' % (n + 2, n))
    agent.call('ipt', 'ensure_jump', 'nat', 'POSTROUTING',
               'nimbus-POSTROUTING', top=False)
    agent.call('ipt', 'set_rules', 'nat', 'nimbus-POSTROUTING', [
        '-s 10.0.0.0/24 -d 10.0.0.0/24 -m conntrack ! --ctstate DNAT '
        '-j ACCEPT',
        '-s 10.0.0.0/24 -o eth0 -j SNAT --to-source 203.0.113.1'])
    return agent.call('ipt', 'apply')


def _teardown(agent):
    for n in range(5):
        agent.call('ipt', 'remove_rule', 'filter', 'nimbus-dispatch',
                   '-d 10.0.0.%d/32 -j nimbus-inst-%d' % (n + 2, n))
        agent.call('ipt', 'remove_chain', 'filter', 'nimbus-inst-%d' % n)
    for table, chain in [('filter', 'nimbus-dispatch'),
                         ('filter', 'nimbus-top'),
                         ('nat', 'nimbus-POSTROUTING')]:
        agent.call('ipt', 'remove_chain', table, chain)
    agent.call('ipt', 'apply')


def test_one_restore_per_table_and_foreign_rules_survive(cloud):
    ns, agent, before = cloud
    assert _build(agent) == 2              # filter and nat, one each
    assert agent.call('ipt', 'restores') == 2
    save = ns.iptables_save()
    for line in ['-A FORWARD -s 192.0.2.1/32 -j DROP',
                 '-A INPUT -j foreign-chain',
                 '-A foreign-chain -p tcp -m tcp --dport 22 -j ACCEPT',
                 '-A POSTROUTING -s 192.0.2.0/24 -j MASQUERADE']:
        assert line in save
    lines = save.splitlines()
    # The jump goes first in FORWARD, before the foreign rule.
    forward = [line for line in lines if line.startswith('-A FORWARD')]
    assert forward == ['-A FORWARD -j nimbus-top',
                       '-A FORWARD -s 192.0.2.1/32 -j DROP']
    assert '-A nimbus-dispatch -d 10.0.0.6/32 -j nimbus-inst-4' in lines
    _teardown(agent)
    assert normalized(ns.iptables_save()) == before


def test_a_failed_restore_changes_nothing(cloud):
    ns, agent, before = cloud
    agent.call('ipt', 'set_rules', 'filter', 'nimbus-good', ['-j ACCEPT'])
    agent.call('ipt', 'ensure_jump', 'filter', 'INPUT', 'nimbus-good')
    agent.call('ipt', 'set_rules', 'filter', 'nimbus-bad',
               ['-p nosuchprotocol -j ACCEPT'])
    with pytest.raises(netns.RemoteError) as failed:
        agent.call('ipt', 'apply')
    assert failed.value.kind == 'HostCommandFailed'
    assert normalized(ns.iptables_save()) == before
    # Once the bad chain is dropped the rest goes through.
    agent.call('ipt', 'remove_chain', 'filter', 'nimbus-bad')
    agent.call('ipt', 'apply')
    assert '-A INPUT -j nimbus-good' in ns.iptables_save('filter')
    agent.call('ipt', 'remove_chain', 'filter', 'nimbus-good')
    agent.call('ipt', 'apply')
    assert normalized(ns.iptables_save()) == before


def test_restart_rebuilds_without_duplicates(cloud, agents, config_file):
    ns, agent, before = cloud
    _build(agent)
    built = normalized(ns.iptables_save())
    agent.stop()
    # A new daemon declares the same state: nothing to write, nothing
    # duplicated (every rule is in canonical iptables-save form).
    again = agents(ns, config_file)
    again.create('ipt', MANAGER)
    assert _build(again) == 0
    assert normalized(ns.iptables_save()) == built
    # A restarted daemon that wants a changed chain rewrites only it.
    again.call('ipt', 'set_rules', 'filter', 'nimbus-inst-0', ['-j DROP'])
    again.call('ipt', 'ensure_jump', 'filter', 'FORWARD', 'nimbus-top')
    assert again.call('ipt', 'apply') == 1
    save = ns.iptables_save('filter').splitlines()
    assert save.count('-A FORWARD -j nimbus-top') == 1
    assert [line for line in save if line.startswith('-A nimbus-inst-0 ')] \
        == ['-A nimbus-inst-0 -j DROP']
    _teardown(again)
    assert normalized(ns.iptables_save()) == before


def test_dispatch_changes_are_incremental(cloud):
    ns, agent, before = cloud
    agent.call('ipt', 'set_rules', 'filter', 'nimbus-dispatch', [
        '-d 10.1.%d.%d/32 -j ACCEPT' % (n // 250, n % 250 + 1)
        for n in range(500)])
    agent.call('ipt', 'apply')
    lines_before = agent.call('ipt', 'restored_lines')
    agent.call('ipt', 'remove_rule', 'filter', 'nimbus-dispatch',
               '-d 10.1.0.100/32 -j ACCEPT')
    agent.call('ipt', 'add_rule', 'filter', 'nimbus-dispatch',
               '-d 10.2.0.1/32 -j ACCEPT')
    agent.call('ipt', 'apply')
    # *filter, -D, -A, COMMIT: not the 500 rules again.
    assert agent.call('ipt', 'restored_lines') - lines_before == 4
    rules = [line for line in ns.iptables_save('filter').splitlines()
             if line.startswith('-A nimbus-dispatch ')]
    assert len(rules) == 500
    assert '-A nimbus-dispatch -d 10.1.0.100/32 -j ACCEPT' not in rules
    assert rules[-1] == '-A nimbus-dispatch -d 10.2.0.1/32 -j ACCEPT'
    agent.call('ipt', 'remove_chain', 'filter', 'nimbus-dispatch')
    agent.call('ipt', 'apply')
    assert normalized(ns.iptables_save()) == before
