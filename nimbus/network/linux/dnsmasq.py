"""The dnsmasq of one network on this host.

Each network gets its own dnsmasq bound to its bridge, with its own files
under ``networks_path``: ``nimbus-<bridge>.pid``, ``.hosts`` (static
``mac,hostname,address`` entries, the only addresses it hands out:
``--dhcp-range=<start>,static``) and ``.leases``. On every lease event it
runs ``nimbus-dhcpbridge add|old|del MAC IP [HOSTNAME]``
(``--dhcp-script``), which reports to nimbus-network; the config files
that program needs come through the environment (NIMBUS_CONFIG_FILE).

A change of host entries rewrites the hosts file and sends dnsmasq SIGHUP
(it re-reads the file without dropping leases). dnsmasq is started when it
does not run, restarted when it runs with other options, and stopped only
by the PID in its pid file, after checking that this PID's command line is
the dnsmasq of this network.

dnsmasq drops root after start-up and reads the hosts file again as that
user, so the files and their directory are world-readable (they hold MACs
and addresses, which every guest on the network sees anyway).
"""

import ipaddress
import os
import signal
import stat
import time

from oslo_log import log as logging

from nimbus import exception
from nimbus.network.linux import command

LOG = logging.getLogger(__name__)

DNSMASQ = 'dnsmasq'
DHCP_RELEASE = 'dhcp_release'
STOP_TIMEOUT = 5


def closed_to_others(path):
    """The first directory on the way to ``path`` (itself included) that
    other users cannot enter, or None: dnsmasq, no longer root, could not
    read its hosts file again there."""
    path = os.path.abspath(path)
    parts = path.split(os.sep)
    for end in range(2, len(parts) + 1):
        directory = os.sep.join(parts[:end]) or os.sep
        try:
            mode = os.stat(directory).st_mode
        except FileNotFoundError:
            return None
        if not mode & stat.S_IXOTH:
            return directory
    return None


class Dnsmasq:
    """dnsmasq for ``network`` (a dict, see nimbus.network.driver)."""

    def __init__(self, network, networks_path, dhcpbridge,
                 dhcpbridge_config_files=(), lease_time=86400,
                 dns_servers=(), domain=None, config_file=''):
        self.network = dict(network)
        self.bridge = network['bridge']
        self.dir = networks_path
        self.dhcpbridge = dhcpbridge
        self.dhcpbridge_config_files = list(dhcpbridge_config_files)
        self.lease_time = lease_time
        self.dns_servers = list(dns_servers)
        self.domain = domain
        self.config_file = config_file or ''

    def _path(self, kind):
        return os.path.join(self.dir, 'nimbus-%s.%s' % (self.bridge, kind))

    @property
    def pid_file(self):
        return self._path('pid')

    @property
    def hosts_file(self):
        return self._path('hosts')

    @property
    def lease_file(self):
        return self._path('leases')

    def argv(self):
        """dnsmasq's command line for this network."""
        net = self.network
        cidr = ipaddress.ip_network(net['cidr'])
        server = net.get('dhcp_server') or net['gateway']
        start = net.get('dhcp_start') or str(cidr.network_address)
        argv = [
            DNSMASQ,
            '--conf-file=%s' % self.config_file,
            '--strict-order',
            '--bind-interfaces',
            '--interface=%s' % self.bridge,
            '--except-interface=lo',
            '--listen-address=%s' % server,
            '--pid-file=%s' % self.pid_file,
            '--dhcp-range=set:%s,%s,static,%s,%ds' % (
                self.bridge, start, cidr.netmask, self.lease_time),
            '--dhcp-lease-max=%d' % cidr.num_addresses,
            '--dhcp-hostsfile=%s' % self.hosts_file,
            '--dhcp-leasefile=%s' % self.lease_file,
            '--dhcp-script=%s' % self.dhcpbridge,
            '--dhcp-option=option:router,%s' % server,
            '--no-hosts',
        ]
        if self.domain:
            argv.append('--domain=%s' % self.domain)
        dns = [net[key] for key in ('dns1', 'dns2') if net.get(key)]
        if dns:
            argv.append('--dhcp-option=option:dns-server,%s' % ','.join(dns))
        if self.dns_servers:
            argv += ['--no-resolv'] + ['--server=%s' % server
                                       for server in self.dns_servers]
        else:
            # Answer for the instances' own names only; forward nothing
            # the host's resolv.conf would send elsewhere.
            argv.append('--no-resolv')
        return argv

    # Files --------------------------------------------------------------

    def write_hosts(self, hosts):
        """Write the hosts file; returns whether it changed."""
        text = ''.join('%s,%s,%s\n' % (host['mac'].lower(),
                                       host['hostname'], host['address'])
                       for host in sorted(hosts,
                                          key=lambda h: h['address']))
        os.makedirs(self.dir, mode=0o755, exist_ok=True)
        try:
            with open(self.hosts_file) as current:
                if current.read() == text:
                    return False
        except FileNotFoundError:
            pass
        # Replaced in one rename: dnsmasq never reads half a file.
        temporary = self.hosts_file + '.new'
        with open(temporary, 'w') as target:
            target.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, self.hosts_file)
        return True

    def read_hosts(self):
        """The entries of the hosts file (dicts of mac, hostname,
        address), or None when there is none."""
        try:
            with open(self.hosts_file) as current:
                lines = current.read().splitlines()
        except FileNotFoundError:
            return None
        hosts = []
        for line in lines:
            parts = line.split(',')
            if len(parts) == 3:
                hosts.append({'mac': parts[0], 'hostname': parts[1],
                              'address': parts[2]})
        return hosts

    def leases(self):
        """(expiry, mac, address, hostname) of each lease in the lease
        file."""
        try:
            with open(self.lease_file) as leases:
                return [tuple(line.split()[:4]) for line in leases
                        if line.strip()]
        except FileNotFoundError:
            return []

    # The process ------------------------------------------------------------

    def _cmdline(self, pid):
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as cmdline:
                parts = cmdline.read().decode(errors='replace').split('\0')
        except (FileNotFoundError, ProcessLookupError):
            return None
        # A zombie has an empty command line: gone as well.
        return parts[:-1] or None

    def pid(self):
        """The PID of this network's dnsmasq when it runs, else None. A
        PID from the pid file counts only when its command line is a
        dnsmasq with this network's hosts file."""
        try:
            with open(self.pid_file) as pid_file:
                pid = int(pid_file.read().strip())
        except (FileNotFoundError, ValueError):
            return None
        cmdline = self._cmdline(pid)
        if not cmdline or os.path.basename(cmdline[0]) != DNSMASQ or \
                '--dhcp-hostsfile=%s' % self.hosts_file not in cmdline:
            return None
        return pid

    def running(self):
        return self.pid() is not None

    def update(self, hosts):
        """Hand out exactly ``hosts``: rewrite the hosts file, then have a
        running dnsmasq re-read it, or start one."""
        changed = self.write_hosts(hosts)
        pid = self.pid()
        cmdline = self._cmdline(pid) if pid is not None else None
        if cmdline is None:
            pid = None
        elif cmdline[1:] != self.argv()[1:]:
            LOG.info('dnsmasq of %s runs with other options; restarting '
                     'it', self.bridge)
            self.stop()
            pid = None
        if pid is not None and changed:
            try:
                os.kill(pid, signal.SIGHUP)
            except ProcessLookupError:
                pid = None
        if pid is None:
            self.start()

    def start(self):
        os.makedirs(self.dir, mode=0o755, exist_ok=True)
        closed = closed_to_others(self.dir)
        if closed:
            # Found in the end-to-end tests: the first hosts file is read
            # as root, every change after it fails and DHCP stops.
            LOG.warning('%s is closed to other users: dnsmasq for %s will '
                        'not be able to re-read %s after dropping root '
                        '(networks_path must be reachable by nobody)',
                        closed, self.bridge, self.hosts_file)
        env = dict(os.environ)
        if self.dhcpbridge_config_files:
            env['NIMBUS_CONFIG_FILE'] = ','.join(
                self.dhcpbridge_config_files)
        # dnsmasq forks into the background once it has bound its
        # sockets; an error (address not there, port taken) is its exit
        # code.
        command.run(self.argv(), env=env)
        pid = self.pid()
        if pid is None:
            raise exception.HostNetworkError(
                reason='dnsmasq for %s did not start (no valid pid file %s)'
                % (self.bridge, self.pid_file))
        LOG.info('Started dnsmasq for %s (pid %d)', self.bridge, pid)

    def stop(self):
        """Stop this network's dnsmasq (by the PID in its pid file)."""
        pid = self.pid()
        if pid is None:
            return
        LOG.info('Stopping dnsmasq for %s (pid %d)', self.bridge, pid)
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + STOP_TIMEOUT
        while self._cmdline(pid) is not None:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                break
            time.sleep(0.02)
        try:
            os.unlink(self.pid_file)
        except FileNotFoundError:
            pass

    def release(self, address, mac):
        """End the lease of ``address`` to ``mac`` now: dnsmasq deletes it
        and runs the dhcp-script with ``del``."""
        if self.pid() is None:
            return
        command.run([DHCP_RELEASE, self.bridge, address, mac])
