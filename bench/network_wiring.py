"""Host-side wiring of 1,000 instances by the real Linux network driver.

Target: at most 50 ms per instance (p95; the number over it and the
maximum are printed too), and the 1,000th no slower than twice the 1st
(and the mean of the last 100 no more than twice that of the first 100,
since the 1st also starts dnsmasq): a change must not rewrite or re-read
everything already there.

What is measured, per instance: its DHCP entry (the network's hosts file
rewritten with every instance so far, then SIGHUP to the running
dnsmasq), its security group filter by the iptables firewall driver
(ingress and egress chains, dispatch rules; 3 rules), and for every
second instance a floating IP (address on the public interface, DNAT and
SNAT). The driver and firewall are driven directly, as nimbus-network and
nimbus-compute would with a fake virt driver: no database, no RPC, no
guests (the taps the rules name need not exist). It all runs in a network
namespace of its own, made and removed by this script; it needs root.

    .venv/bin/python bench/network_wiring.py [--instances N]
"""

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import _common

TARGET_MS = 50.0


def _instance(n):
    fixed = '10.0.%d.%d' % ((n + 2) // 256, (n + 2) % 256)
    vif = str(uuid.uuid5(uuid.NAMESPACE_URL, 'bench-vif-%d' % n))
    return {
        'uuid': str(uuid.uuid5(uuid.NAMESPACE_URL, 'bench-%d' % n)),
        'mac': 'fa:16:3e:%02x:%02x:%02x' % (
            n >> 16, (n >> 8) & 255, n & 255),
        'fixed': fixed,
        'floating': '198.51.%d.%d' % (100 + n // 250, n % 250 + 1),
        'hostname': 'bench-%d' % n,
        'vif': vif,
    }


def _network_info(instance, network):
    return [{
        'id': instance['vif'], 'address': instance['mac'],
        'type': 'bridge', 'devname': ('tap' + instance['vif'])[:14],
        'network': {'id': network['uuid'], 'bridge': network['bridge'],
                    'subnets': [{'cidr': network['cidr'],
                                 'dhcp_server': network['dhcp_server'],
                                 'ips': [{'address': instance['fixed']}]}]},
    }]


RULES = [{'protocol': 'tcp', 'from_port': 22, 'to_port': 22,
          'cidr': '0.0.0.0/0'},
         {'protocol': 'icmp', 'from_port': -1, 'to_port': -1,
          'cidr': '0.0.0.0/0'},
         {'protocol': 'tcp', 'from_port': 8000, 'to_port': 8100,
          'cidr': '192.0.2.0/24'}]


def inside(count, state):
    """Runs in the namespace."""
    from nimbus import config
    from nimbus.conf import CONF
    from nimbus.network import linux_net
    from nimbus.network.linux import links
    from nimbus.virt import iptables_firewall

    config.parse_args(['bench', '--config-file',
                       os.path.join(state, 'nimbus.conf')],
                      default_config_files=[], init_rpc=False)
    network = {'uuid': 'bench-net', 'label': 'bench', 'bridge': 'br100',
               'bridge_interface': None, 'vlan': None,
               'cidr': '10.0.0.0/16', 'netmask': '255.255.0.0',
               'gateway': '10.0.0.1', 'broadcast': '10.0.255.255',
               'dhcp_start': '10.0.0.2', 'dhcp_server': '10.0.0.1'}
    driver = linux_net.Driver()
    firewall = iptables_firewall.IptablesFirewallDriver()
    links.ensure_bridge(CONF.public_interface, None, '203.0.113.1/24')
    driver.initialize([network['cidr']])
    driver.plug(network)
    driver.ensure_metadata_forward('10.0.0.1', 8775)
    firewall.initialize()

    hosts = []
    times = []
    parts = {'dhcp': [], 'filter': [], 'floating': []}
    try:
        for n in range(count):
            instance = _instance(n)
            started = time.perf_counter()
            hosts.append({'mac': instance['mac'],
                          'address': instance['fixed'],
                          'hostname': instance['hostname']})
            driver.update_dhcp(network, hosts)
            dhcp_done = time.perf_counter()
            firewall.apply_instance_filter(
                instance['uuid'], _network_info(instance, network), RULES)
            filter_done = time.perf_counter()
            if n % 2 == 0:
                driver.ensure_floating_ip(instance['floating'],
                                          instance['fixed'],
                                          CONF.public_interface)
            ended = time.perf_counter()
            times.append((ended - started) * 1000)
            parts['dhcp'].append((dhcp_done - started) * 1000)
            parts['filter'].append((filter_done - dhcp_done) * 1000)
            if n % 2 == 0:
                parts['floating'].append((ended - filter_done) * 1000)
        dnsmasq_pid = driver.dhcp_pid(network)
    finally:
        driver.kill_dhcp(network)

    def at(k):
        return times[min(k, len(times)) - 1]

    print('network_wiring: %d instances, real Linux driver + iptables '
          'firewall driven directly (no database, no RPC, no guests), '
          'in a network namespace' % count)
    print('  per instance: 1st %.2f ms, 2nd %.2f ms, 100th %.2f ms, '
          '%dth %.2f ms' % (at(1), at(2), at(100), count, at(count)))
    print('  all: %s' % _common.summary(times))
    print('  first 100 (after the 1st) mean %.2f ms, last 100 mean %.2f ms'
          % (statistics.mean(times[1:101]), statistics.mean(times[-100:])))
    print('  load average during the run: %.1f (on %d CPUs): other work '
          'on the machine shows in these figures'
          % (os.getloadavg()[0], os.cpu_count()))
    for name, samples in parts.items():
        print('  %-8s first 100 mean %.2f ms, last 100 mean %.2f ms'
              % (name, statistics.mean(samples[:100]),
                 statistics.mean(samples[-100:])))
    for name, ipt in (('nimbus-network', driver.iptables),
                      ('nimbus-compute firewall', firewall.iptables)):
        print('  iptables-restore (%s): %d restores, %.2f ms each, '
              '%.1f lines each; iptables-save %d time(s)'
              % (name, ipt.restores,
                 ipt.restore_seconds * 1000 / max(ipt.restores, 1),
                 ipt.restored_lines / max(ipt.restores, 1), ipt.saves))
    print('  dnsmasq: one process (pid %s), %d hosts, SIGHUP per change'
          % (dnsmasq_pid, len(hosts)))
    # Judged on p95: on a shared machine single instances can wait for a
    # CPU (the count over the target is printed too). The 1st includes
    # starting dnsmasq, so growth is also judged on means of 100.
    p95 = _common.percentile(times, 95)
    over = sum(1 for t in times if t > TARGET_MS)
    growth = statistics.mean(times[-100:]) / statistics.mean(times[1:101])
    ok_each = p95 <= TARGET_MS
    ok_last = at(count) <= 2 * at(1)
    ok_growth = growth <= 2
    print('  target: <= %.0f ms per instance (p95): %s (p95 %.2f ms; %d of '
          '%d over, max %.2f ms)'
          % (TARGET_MS, 'met' if ok_each else 'MISSED', p95, over, count,
             max(times)))
    print('  target: %dth <= 2x 1st: %s (%.2f vs %.2f ms)'
          % (count, 'met' if ok_last else 'MISSED', at(count), at(1)))
    print('  target: mean of the last 100 <= 2x the first 100 (after the '
          '1st): %s (%.2fx)' % ('met' if ok_growth else 'MISSED', growth))
    firewall.teardown()
    driver.teardown()
    return 0 if ok_each and ok_last and ok_growth else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--instances', type=int, default=1000)
    parser.add_argument('--inside', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        return inside(args.instances, args.inside)
    if os.geteuid() != 0:
        print('network_wiring: needs root (network namespaces, iptables)')
        return 2
    namespace = 'nimbus-ln-bench-%s' % secrets.token_hex(4)
    # dnsmasq reads its hosts file after dropping root: world-readable.
    state = tempfile.mkdtemp(prefix='nimbus-ln-bench-')
    os.chmod(state, 0o755)
    with open(os.path.join(state, 'nimbus.conf'), 'w') as conf:
        conf.write('[DEFAULT]\nstate_path = %s\npublic_interface = pub0\n'
                   'routing_source_ip = 203.0.113.1\n'
                   'metadata_host = 10.0.0.1\n'
                   'dhcpbridge = /bin/true\n' % state)
    subprocess.run(['ip', 'netns', 'add', namespace], check=True)
    try:
        return subprocess.run(
            ['ip', 'netns', 'exec', namespace, sys.executable,
             os.path.abspath(__file__), '--instances', str(args.instances),
             '--inside', state]).returncode
    finally:
        # Whatever still runs in the namespace (dnsmasq if the run
        # failed) is stopped by PID before the namespace goes.
        pids = subprocess.run(['ip', 'netns', 'pids', namespace],
                              capture_output=True, text=True).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), 9)
            except ProcessLookupError:
                pass
        subprocess.run(['ip', 'netns', 'del', namespace], check=False)
        shutil.rmtree(state, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
