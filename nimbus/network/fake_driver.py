"""A network driver that only remembers: the host it would have built is
kept in memory, and every call is recorded in order.

For tests, benchmarks and nimbus-all on a machine where nimbus may not
touch the network. Tests read ``calls``, ``bridges``, ``vlans``, ``dhcp``
and ``released``.
"""

import threading

from nimbus.network import driver


class Driver(driver.NetworkDriver):

    def __init__(self):
        self._lock = threading.Lock()
        self.calls = []
        self.initialized_ranges = None
        self.vlans = {}       # device -> {'vlan', 'interface', 'mtu'}
        self.bridges = {}     # bridge -> {'interface', 'addresses': set}
        self.dhcp = {}        # bridge -> [{'mac', 'address', 'hostname'}]
        self.released = []    # (bridge, address, mac)
        self.floating = {}    # floating address -> (fixed, interface)
        self.metadata_forward = None   # (host, port)

    def _record(self, name, *args):
        self.calls.append((name,) + args)

    def initialize(self, fixed_ranges):
        with self._lock:
            self._record('initialize', sorted(fixed_ranges))
            self.initialized_ranges = sorted(fixed_ranges)

    def ensure_vlan(self, vlan, interface, mtu=None):
        device = 'vlan%s' % vlan
        with self._lock:
            self._record('ensure_vlan', vlan, interface)
            self.vlans[device] = {'vlan': vlan, 'interface': interface,
                                  'mtu': mtu}
        return device

    def ensure_bridge(self, bridge, interface, address=None):
        with self._lock:
            self._record('ensure_bridge', bridge, interface, address)
            entry = self.bridges.setdefault(
                bridge, {'interface': None, 'addresses': set()})
            if interface:
                entry['interface'] = interface
            if address:
                entry['addresses'].add(address)

    def update_dhcp(self, network, hosts):
        hosts = sorted((dict(host) for host in hosts),
                       key=lambda host: host['address'])
        with self._lock:
            self._record('update_dhcp', network['bridge'],
                         [host['address'] for host in hosts])
            self.dhcp[network['bridge']] = hosts

    def change_dhcp_hosts(self, network, added=(), removed=()):
        with self._lock:
            if network['bridge'] not in self.dhcp:
                return False
            hosts = sorted(self.changed_hosts(self.dhcp[network['bridge']],
                                              added, removed),
                           key=lambda host: host['address'])
            self._record('change_dhcp_hosts', network['bridge'],
                         [host['address'] for host in hosts])
            self.dhcp[network['bridge']] = hosts
        return True

    def release_dhcp(self, network, address, mac):
        with self._lock:
            self._record('release_dhcp', network['bridge'], address, mac)
            self.released.append((network['bridge'], address, mac))

    def kill_dhcp(self, network):
        with self._lock:
            self._record('kill_dhcp', network['bridge'])
            self.dhcp.pop(network['bridge'], None)

    def ensure_floating_ip(self, floating_ip, fixed_ip, interface):
        with self._lock:
            self._record('ensure_floating_ip', floating_ip, fixed_ip,
                         interface)
            self.floating[floating_ip] = (fixed_ip, interface)

    def remove_floating_ip(self, floating_ip, fixed_ip, interface):
        with self._lock:
            self._record('remove_floating_ip', floating_ip, fixed_ip,
                         interface)
            self.floating.pop(floating_ip, None)

    def ensure_metadata_forward(self, metadata_host, metadata_port):
        with self._lock:
            self._record('ensure_metadata_forward', metadata_host,
                         metadata_port)
            self.metadata_forward = (metadata_host, metadata_port)

    def dhcp_addresses(self, bridge):
        """The addresses dnsmasq on ``bridge`` would hand out."""
        with self._lock:
            return [host['address'] for host in self.dhcp.get(bridge, [])]
