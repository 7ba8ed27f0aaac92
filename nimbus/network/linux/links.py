"""Links, addresses, connection tracking and sysctls through netlink
(pyroute2).

Every function is idempotent: asking for what is already there (or
removing what is not) is no error. Errors are raised as HostNetworkError,
or KernelFeatureMissing when the kernel lacks what the operation needs
(802.1Q VLANs, bridges).
"""

import errno
import ipaddress
import os
import socket

from oslo_log import log as logging
from pyroute2.conntrack import Conntrack
from pyroute2.conntrack import NFCTAttrTuple
from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from nimbus import exception

LOG = logging.getLogger(__name__)

# Errors with which the kernel says it has no such link type.
_NO_SUCH_TYPE = (errno.EOPNOTSUPP, errno.ENOENT, errno.EINVAL)


def _index(ipr, ifname):
    found = ipr.link_lookup(ifname=ifname)
    return found[0] if found else None


def _require(ipr, ifname):
    index = _index(ipr, ifname)
    if index is None:
        raise exception.HostNetworkError(
            reason='interface %s does not exist' % ifname)
    return index


def _link_attr(ipr, index, name):
    return ipr.get_links(index)[0].get_attr(name)


def link_exists(ifname):
    with IPRoute() as ipr:
        return _index(ipr, ifname) is not None


def _up(ipr, index, mtu=None):
    changes = {}
    if not ipr.get_links(index)[0]['flags'] & 1:     # IFF_UP
        changes['state'] = 'up'
    if mtu and _link_attr(ipr, index, 'IFLA_MTU') != mtu:
        changes['mtu'] = mtu
    if changes:
        ipr.link('set', index=index, **changes)


def ensure_vlan(vlan, interface, mtu=None):
    """802.1Q device ``vlan<N>`` on ``interface``, up; returns its name."""
    device = 'vlan%d' % int(vlan)
    with IPRoute() as ipr:
        index = _index(ipr, device)
        if index is None:
            parent = _require(ipr, interface)
            LOG.info('Creating VLAN device %s (id %s) on %s', device, vlan,
                     interface)
            try:
                ipr.link('add', ifname=device, kind='vlan', link=parent,
                         vlan_id=int(vlan))
            except NetlinkError as exc:
                if exc.code in _NO_SUCH_TYPE:
                    raise exception.KernelFeatureMissing(
                        operation='VLAN device %s on %s' % (device,
                                                            interface),
                        feature='802.1Q VLAN support (module 8021q, '
                                'CONFIG_VLAN_8021Q)',
                        reason=exc.args[-1])
                if exc.code != errno.EEXIST:
                    raise exception.HostNetworkError(
                        reason='creating %s: %s' % (device, exc))
            index = _require(ipr, device)
        _up(ipr, index, mtu)
    return device


def ensure_bridge(bridge, interface=None, address=None):
    """Bridge ``bridge``, up, with ``interface`` enslaved (and up) and
    ``address`` ('a.b.c.d/prefixlen') on it."""
    with IPRoute() as ipr:
        index = _index(ipr, bridge)
        if index is None:
            LOG.info('Creating bridge %s', bridge)
            try:
                ipr.link('add', ifname=bridge, kind='bridge')
            except NetlinkError as exc:
                if exc.code in _NO_SUCH_TYPE:
                    raise exception.KernelFeatureMissing(
                        operation='bridge %s' % bridge,
                        feature='Linux bridge support (CONFIG_BRIDGE)',
                        reason=exc.args[-1])
                if exc.code != errno.EEXIST:
                    raise exception.HostNetworkError(
                        reason='creating %s: %s' % (bridge, exc))
            index = _require(ipr, bridge)
        _up(ipr, index)
        if interface:
            port = _require(ipr, interface)
            if _link_attr(ipr, port, 'IFLA_MASTER') != index:
                LOG.info('Adding %s to bridge %s', interface, bridge)
                ipr.link('set', index=port, master=index)
            _up(ipr, port)
        if address:
            _add_address(ipr, index, address)


def _addresses(ipr, index):
    return {(a.get_attr('IFA_ADDRESS'), a['prefixlen'])
            for a in ipr.get_addr(index=index, family=2)}


def _address_args(address):
    interface = ipaddress.ip_interface(address)
    args = {'address': str(interface.ip),
            'prefixlen': interface.network.prefixlen}
    if interface.network.prefixlen < 31:
        args['broadcast'] = str(interface.network.broadcast_address)
    return args


def _add_address(ipr, index, address):
    # Asked for, not looked up first: listing the addresses of a public
    # interface with hundreds of floating IPs costs far more than this.
    try:
        ipr.addr('add', index=index, **_address_args(address))
    except NetlinkError as exc:
        if exc.code != errno.EEXIST:
            raise exception.HostNetworkError(
                reason='adding %s: %s' % (address, exc))


def add_address(ifname, address):
    """``address`` ('a.b.c.d/prefixlen') on ``ifname``, once."""
    with IPRoute() as ipr:
        _add_address(ipr, _require(ipr, ifname), address)


def remove_address(ifname, address):
    """``address`` off ``ifname``; nothing when it is not there."""
    with IPRoute() as ipr:
        index = _index(ipr, ifname)
        if index is None:
            return
        args = _address_args(address)
        args.pop('broadcast', None)
        try:
            ipr.addr('del', index=index, **args)
        except NetlinkError as exc:
            if exc.code != errno.EADDRNOTAVAIL:
                raise exception.HostNetworkError(
                    reason='removing %s: %s' % (address, exc))


def addresses(ifname):
    """'a.b.c.d/prefixlen' of every IPv4 address on ``ifname``."""
    with IPRoute() as ipr:
        index = _require(ipr, ifname)
        return sorted('%s/%d' % pair for pair in _addresses(ipr, index))


def delete_link(ifname):
    """Remove ``ifname``; nothing when it does not exist."""
    with IPRoute() as ipr:
        index = _index(ipr, ifname)
        if index is not None:
            ipr.link('del', index=index)


def forget_connections(address):
    """Delete the conntrack entries of connections to ``address``, or
    whose replies go to it (SNATed to it): NAT decided for them is
    forgotten, so that traffic after a floating IP is gone is not still
    translated. Returns how many were deleted."""
    deleted = 0
    with Conntrack() as conntrack:
        for tuple_filter in ({'tuple_orig': NFCTAttrTuple(
                                  family=socket.AF_INET, daddr=address)},
                             {'tuple_reply': NFCTAttrTuple(
                                  family=socket.AF_INET, daddr=address)}):
            for entry in list(conntrack.dump_entries(**tuple_filter)):
                try:
                    conntrack.delete(entry)
                    deleted += 1
                except NetlinkError as exc:
                    if exc.code != errno.ENOENT:
                        raise exception.HostNetworkError(
                            reason='forgetting connections of %s: %s'
                            % (address, exc))
    return deleted


def set_sysctl(name, value):
    """Write ``value`` to /proc/sys/<name> (dots or slashes) when it
    differs. The /proc/sys/net tree is the namespace's own."""
    path = os.path.join('/proc/sys', name.replace('.', '/'))
    value = str(value)
    try:
        with open(path) as current:
            if current.read().strip() == value:
                return False
        with open(path, 'w') as target:
            target.write(value)
    except OSError as exc:
        raise exception.HostNetworkError(
            reason='setting %s to %s: %s' % (name, value, exc))
    LOG.info('sysctl %s = %s', name, value)
    return True
