"""The host side of nimbus-network: what a network driver does on the node.

The manager decides (from the database) what a host must look like; a
driver makes the host look like it: VLAN interfaces, bridges with the
gateway address, one dnsmasq per network with static host entries, NAT and
forwarding. Drivers never import the database: they receive plain dicts.

``network`` arguments are networks rows as dicts (``bridge``,
``bridge_interface``, ``vlan``, ``cidr``, ``netmask``, ``gateway``,
``broadcast``, ``dhcp_start``, ``dns1``, ``dns2``, ``label``, ``uuid``,
``multi_host``...) plus ``dhcp_server``: the address this host has on the
network (the gateway, or with multi_host an address of the host's own).

``network_driver`` names a module that defines ``Driver``, a subclass of
``NetworkDriver``: ``nimbus.network.fake_driver`` (state in memory, for
tests and nimbus-all) or the Linux driver (pyroute2, dnsmasq, iptables).
"""

import abc
import importlib
import ipaddress

from nimbus import exception


class NetworkDriver(abc.ABC):
    """What the network managers need from a host."""

    @abc.abstractmethod
    def initialize(self, fixed_ranges):
        """Prepare the host at start-up: IP forwarding, SNAT of the
        instances' traffic (``fixed_ranges``: CIDRs of the networks), and
        the chains the driver owns. Idempotent."""

    @abc.abstractmethod
    def ensure_vlan(self, vlan, interface, mtu=None):
        """Create VLAN ``vlan`` on ``interface`` (``vlan<N>``) if missing,
        bring it up; return its device name. Idempotent."""

    @abc.abstractmethod
    def ensure_bridge(self, bridge, interface, address=None):
        """Create ``bridge`` if missing, enslave ``interface`` (may be
        None: a bridge with no uplink), bring it up and give it
        ``address`` ('a.b.c.d/prefixlen', may be None). Idempotent."""

    @abc.abstractmethod
    def update_dhcp(self, network, hosts):
        """Make this host's dnsmasq for ``network`` hand out exactly
        ``hosts``: dicts with ``mac``, ``address`` and ``hostname``.
        Starts dnsmasq if needed, else has it re-read its hosts file."""

    def change_dhcp_hosts(self, network, added=(), removed=()):
        """Change what this host's dnsmasq for ``network`` hands out
        without being given every entry: add (or replace, by address)
        ``added`` (as for ``update_dhcp``), drop ``removed`` ([address,
        mac] pairs; an address now another MAC's stays). Returns False,
        changing nothing, when it cannot: it has no entries of the
        network yet (then give them all to ``update_dhcp``)."""
        return False

    @staticmethod
    def changed_hosts(hosts, added=(), removed=()):
        """``hosts`` (entry dicts) with ``added`` and ``removed`` applied,
        as ``change_dhcp_hosts`` describes."""
        by_address = {host['address']: host for host in hosts}
        for address, mac in removed:
            host = by_address.get(address)
            if host is not None and host['mac'].lower() == mac.lower():
                del by_address[address]
        for host in added:
            by_address[host['address']] = dict(host)
        return list(by_address.values())

    @abc.abstractmethod
    def release_dhcp(self, network, address, mac):
        """End the lease of ``address`` to ``mac`` now (dhcp_release), so
        the address can go to another instance."""

    @abc.abstractmethod
    def kill_dhcp(self, network):
        """Stop this host's dnsmasq for ``network``, if one runs."""

    @abc.abstractmethod
    def ensure_floating_ip(self, floating_ip, fixed_ip, interface):
        """Make ``floating_ip`` (an address) reach ``fixed_ip``: the
        address on ``interface`` (the public interface), DNAT of traffic
        to it and SNAT of the instance's traffic from it. Idempotent."""

    @abc.abstractmethod
    def remove_floating_ip(self, floating_ip, fixed_ip, interface):
        """Undo ``ensure_floating_ip``: rules and address gone. Idempotent;
        no error when nothing was there."""

    @abc.abstractmethod
    def ensure_metadata_forward(self, metadata_host, metadata_port):
        """DNAT instances' requests to 169.254.169.254:80 to the metadata
        API at ``metadata_host``:``metadata_port``. Idempotent."""

    def plug(self, network):
        """Everything ``network`` needs on this host before an instance
        on it can boot: its VLAN (VlanManager), its bridge on the uplink
        and this host's address on it. Returns the bridge name."""
        interface = network.get('bridge_interface')
        if network.get('vlan') is not None:
            interface = self.ensure_vlan(network['vlan'], interface,
                                         mtu=network.get('mtu'))
        self.ensure_bridge(network['bridge'], interface,
                           address=host_address(network))
        return network['bridge']


def host_address(network):
    """'a.b.c.d/prefixlen' of this host on ``network``."""
    address = network.get('dhcp_server') or network['gateway']
    prefix = ipaddress.ip_network(network['cidr']).prefixlen
    return '%s/%d' % (address, prefix)


def load_network_driver(name):
    """An instance of ``Driver`` from module ``name`` (a full module path,
    or one relative to nimbus.network such as 'fake_driver')."""
    candidates = [name] if '.' in name else ['nimbus.network.' + name, name]
    module = None
    errors = []
    for candidate in candidates:
        try:
            module = importlib.import_module(candidate)
            break
        except ImportError as exc:
            errors.append(str(exc))
    if module is None:
        raise exception.NetworkDriverInvalid(name=name,
                                             reason='; '.join(errors))
    driver_class = getattr(module, 'Driver', None)
    if not (isinstance(driver_class, type) and
            issubclass(driver_class, NetworkDriver)):
        raise exception.NetworkDriverInvalid(
            name=name, reason='it defines no Driver(NetworkDriver) class')
    return driver_class()
