"""nimbus-manage: the operator's command line.

    nimbus-manage db sync [--version REV]
    nimbus-manage db version
    nimbus-manage service list [--host H] [--binary B]
    nimbus-manage service enable --host H --binary B
    nimbus-manage service disable --host H --binary B [--reason TEXT]
    nimbus-manage network create --label L [--fixed_range_v4 CIDR]
                  [--num_networks N] [--network_size S] [--vlan V]
                  [--vpn PORT] [--bridge B] [--bridge_interface IF]
                  [--multi_host T|F] [--dns1 A] [--dns2 A]
                  [--project_id P] [--gateway G]
    nimbus-manage network list
    nimbus-manage network delete --fixed_range CIDR | --uuid UUID
    nimbus-manage floating create --ip_range CIDR [--pool P] [--interface IF]
    nimbus-manage floating list | delete --ip_range CIDR
    nimbus-manage flavor create --name N --memory MB --cpu N --root_gb GB
                  [--ephemeral_gb GB] [--swap MB] [--flavor ID]
                  [--rxtx_factor F] [--is_public T|F]
    nimbus-manage flavor list | delete --name N | create-defaults
    nimbus-manage quota defaults | show --project P | delete --project P
    nimbus-manage quota update --project P --resource R --limit N

Exit codes: 0 done, 1 failed (message on stderr), 2 bad arguments.
"""

import sys

from oslo_config import cfg
from oslo_db import exception as db_exc
import sqlalchemy.exc

from nimbus import config
from nimbus.conf import CONF
from nimbus import context as nimbus_context
from nimbus.db import migration
from nimbus import exception
from nimbus import objects
from nimbus.objects import flavor as flavor_obj
from nimbus import quota
from nimbus import servicegroup


def args(*names, **kwargs):
    """Declare one argument of a command (argparse add_argument)."""
    def decorate(func):
        func.__dict__.setdefault('args', []).insert(0, (names, kwargs))
        return func
    return decorate


class CommandError(Exception):
    """A failure to report as one line on stderr, exit code 1."""


class UsageError(CommandError):
    """Bad arguments: nimbus-manage exits 2, as for a usage error."""

    exit_code = 2


class DbCommands:
    """Database schema."""

    @args('--version', dest='version', metavar='REV',
          help='Revision to upgrade to (default: the newest)')
    def sync(self, version=None):
        """Create or upgrade the schema; running it again changes nothing."""
        migration.db_sync(version)
        print('Database is at revision %s' % migration.db_version())

    def version(self):
        """Print the schema revision of the database."""
        print(migration.db_version() or 'None (empty database)')


class ServiceCommands:
    """Services registered in the database."""

    @args('--host', metavar='HOST', help='Only services on this host')
    @args('--binary', metavar='BINARY', help='Only this binary')
    def list(self, host=None, binary=None):
        """List services with their state (up/down by heartbeat age)."""
        context = nimbus_context.get_admin_context()
        services = objects.ServiceList.get_all(context)
        rows = [('Binary', 'Host', 'Zone', 'Status', 'State', 'Updated_At')]
        for svc in sorted(services, key=lambda s: (s.host, s.binary)):
            if host and svc.host != host or binary and svc.binary != binary:
                continue
            last = servicegroup.last_heartbeat(svc)
            rows.append((svc.binary, svc.host,
                         svc.availability_zone or 'nimbus',
                         'disabled' if svc.disabled else 'enabled',
                         'up' if servicegroup.service_is_up(svc) else 'down',
                         last.isoformat(sep=' ', timespec='seconds')
                         if last else '-'))
        widths = [max(len(str(row[i])) for row in rows)
                  for i in range(len(rows[0]))]
        for row in rows:
            print('  '.join(str(cell).ljust(width)
                            for cell, width in zip(row, widths)).rstrip())

    @args('--host', required=True, metavar='HOST')
    @args('--binary', required=True, metavar='BINARY')
    def enable(self, host, binary):
        """Let the scheduler use the service again."""
        self._set_disabled(host, binary, False, None)

    @args('--host', required=True, metavar='HOST')
    @args('--binary', required=True, metavar='BINARY')
    @args('--reason', metavar='TEXT', help='Why it is disabled')
    def disable(self, host, binary, reason=None):
        """Keep the scheduler from choosing the service."""
        self._set_disabled(host, binary, True, reason)

    def _set_disabled(self, host, binary, disabled, reason):
        context = nimbus_context.get_admin_context()
        try:
            svc = objects.Service.get_by_host_and_binary(context, host,
                                                         binary)
        except exception.NotFound:
            raise CommandError('No service %s on host %s' % (binary, host))
        svc.disabled = disabled
        svc.disabled_reason = reason
        svc.save()
        print('%s on %s is now %s' % (binary, host,
                                      'disabled' if disabled else 'enabled'))


def _network_modules():
    # Imported on use: the other commands need not load the network
    # service (and every nimbus-manage run would pay for it).
    from nimbus.network import manager as network_manager
    from nimbus.network import networks
    return network_manager, networks


class NetworkCommands:
    """Networks of nimbus-network: fixed IP ranges, bridges, VLANs."""

    @args('--label', required=True, metavar='LABEL',
          help='Name of the network (LABEL_1, LABEL_2... for several)')
    @args('--fixed_range_v4', dest='fixed_range_v4', metavar='CIDR',
          help='IPv4 range of the network(s), e.g. 10.0.0.0/24 (default: '
               'fixed_range_v4)')
    @args('--num_networks', type=int, metavar='N',
          help='Number of networks to cut from the range (default: '
               'num_networks)')
    @args('--network_size', type=int, metavar='SIZE',
          help='Addresses per network, a power of two (default: the range '
               'split evenly, at most network_size)')
    @args('--vlan', dest='vlan_start', type=int, metavar='VLAN',
          help='VlanManager: VLAN id of the first network (default: '
               'vlan_start)')
    @args('--vpn', dest='vpn_start', type=int, metavar='PORT',
          help='VlanManager: VPN port of the first network (default: '
               'vpn_start)')
    @args('--bridge', metavar='BRIDGE',
          help='Bridge of the network (default: flat_network_bridge, or '
               'br<vlan> under VlanManager)')
    @args('--bridge_interface', metavar='IF',
          help='Interface the bridge (or VLAN) is on (default: '
               'flat_interface or vlan_interface)')
    @args('--multi_host', metavar='T|F',
          help='Served by the network service of each compute node '
               '(default: multi_host)')
    @args('--dns1', metavar='ADDRESS', help='First DNS server for guests')
    @args('--dns2', metavar='ADDRESS', help='Second DNS server for guests')
    @args('--project_id', metavar='PROJECT',
          help='Give the network(s) to this project')
    @args('--gateway', metavar='ADDRESS',
          help='Gateway address (default: the first host address)')
    def create(self, label, fixed_range_v4=None, num_networks=None,
               network_size=None, vlan_start=None, vpn_start=None,
               bridge=None, bridge_interface=None, multi_host=None,
               dns1=None, dns2=None, project_id=None, gateway=None):
        """Create networks and their fixed IPs for network_manager."""
        network_manager, networks = _network_modules()
        context = nimbus_context.get_admin_context()
        try:
            created, notes = networks.create_networks(
                context, network_manager.network_manager_class(), label,
                fixed_range_v4=fixed_range_v4, num_networks=num_networks,
                network_size=network_size, vlan_start=vlan_start,
                vpn_start=vpn_start, bridge=bridge,
                bridge_interface=bridge_interface, multi_host=multi_host,
                dns1=dns1, dns2=dns2, project_id=project_id, gateway=gateway)
        except exception.NimbusException as exc:
            raise CommandError(exc.format_message())
        for note in notes:
            print(note)
        for net in created:
            print('Created network %s %s (%s) on bridge %s%s'
                  % (net['label'], net['cidr'], net['uuid'], net['bridge'],
                     ', VLAN %s' % net['vlan'] if net['vlan'] is not None
                     else ''))

    def list(self):
        """List networks (nova-manage's columns)."""
        _, networks = _network_modules()
        context = nimbus_context.get_admin_context()
        rows = [('id', 'IPv4', 'IPv6', 'start address', 'DNS1', 'DNS2',
                 'VlanID', 'project', 'uuid', 'label')]
        for net in networks.list_networks(context):
            rows.append(tuple(str(value) for value in (
                net['id'], net['cidr'], net['cidr_v6'], net['dhcp_start'],
                net['dns1'], net['dns2'], net['vlan'], net['project_id'],
                net['uuid'], net['label'])))
        widths = [max(len(row[i]) for row in rows)
                  for i in range(len(rows[0]))]
        for row in rows:
            print('  '.join(cell.ljust(width)
                            for cell, width in zip(row, widths)).rstrip())

    @args('--fixed_range', metavar='CIDR', help='The network\'s range')
    @args('--uuid', metavar='UUID', help='The network\'s uuid')
    def delete(self, fixed_range=None, uuid=None):
        """Delete a network and its fixed IPs, unless any is allocated."""
        _, networks = _network_modules()
        context = nimbus_context.get_admin_context()
        try:
            net = networks.delete_network(context, fixed_range=fixed_range,
                                          uuid=uuid)
        except exception.NimbusException as exc:
            raise CommandError(exc.format_message())
        print('Deleted network %s %s (%s)' % (net['label'], net['cidr'],
                                              net['uuid']))


class FloatingCommands:
    """Floating IPs: ranges of public addresses in pools."""

    @args('--ip_range', metavar='CIDR', required=True,
          help='Addresses to create: a CIDR (its host addresses) or one '
               'address')
    @args('--pool', metavar='POOL',
          help='Pool of the addresses (default: default_floating_pool)')
    @args('--interface', metavar='INTERFACE',
          help='Interface the addresses go on (default: public_interface)')
    def create(self, ip_range, pool=None, interface=None):
        """Create floating IPs; nothing when any exists already."""
        from nimbus.network import floating_ips
        try:
            addresses = floating_ips.parse_range(ip_range)
        except exception.Invalid as exc:
            raise UsageError(exc.format_message())
        try:
            count = floating_ips.create_range(ip_range, pool=pool,
                                              interface=interface)
        except exception.NimbusException as exc:
            raise CommandError(exc.format_message())
        print('Created %d floating IP(s) %s - %s in pool %s'
              % (count, addresses[0], addresses[-1],
                 pool or CONF.default_floating_pool))

    def list(self):
        """List floating IPs (nova-manage's columns)."""
        from nimbus.network import floating_ips
        rows = [('project', 'address', 'instance', 'pool', 'interface')]
        for row in floating_ips.list_all():
            rows.append((row['project_id'], row['address'],
                         row['instance_uuid'], row['pool'],
                         row['interface']))
        _print_table(rows)

    @args('--ip_range', metavar='CIDR', required=True,
          help='Addresses to delete: a CIDR or one address')
    def delete(self, ip_range):
        """Delete floating IPs; nothing while any is allocated."""
        from nimbus.network import floating_ips
        try:
            floating_ips.parse_range(ip_range)
        except exception.Invalid as exc:
            raise UsageError(exc.format_message())
        try:
            count = floating_ips.delete_range(ip_range)
        except exception.NimbusException as exc:
            raise CommandError(exc.format_message())
        print('Deleted %d floating IP(s)' % count)


def _print_table(rows):
    widths = [max(len(str(row[i])) for row in rows)
              for i in range(len(rows[0]))]
    for row in rows:
        print('  '.join(str(cell).ljust(width)
                        for cell, width in zip(row, widths)).rstrip())


def _bool_arg(value, name):
    lowered = str(value).lower()
    if lowered in ('t', 'true', 'yes', '1'):
        return True
    if lowered in ('f', 'false', 'no', '0'):
        return False
    raise CommandError('%s must be true or false, not %r' % (name, value))


class FlavorCommands:
    """Flavors (instance types)."""

    @args('--name', required=True, metavar='NAME')
    @args('--memory', dest='memory_mb', required=True, type=int,
          metavar='MB', help='RAM in megabytes')
    @args('--cpu', dest='vcpus', required=True, type=int, metavar='N',
          help='Virtual CPUs')
    @args('--root_gb', dest='root_gb', required=True, type=int, metavar='GB',
          help='Root disk in gigabytes')
    @args('--ephemeral_gb', dest='ephemeral_gb', type=int, default=0,
          metavar='GB', help='Ephemeral disk in gigabytes (default 0)')
    @args('--swap', type=int, default=0, metavar='MB',
          help='Swap in megabytes (default 0)')
    @args('--flavor', dest='flavorid', metavar='ID',
          help='Flavor id (default: a new UUID)')
    @args('--rxtx_factor', type=float, default=1.0, metavar='FACTOR')
    @args('--is_public', default='true', metavar='T|F',
          help='Usable by every project (default true)')
    def create(self, name, memory_mb, vcpus, root_gb, ephemeral_gb=0,
               swap=0, flavorid=None, rxtx_factor=1.0, is_public='true'):
        """Create a flavor."""
        if memory_mb < 1 or vcpus < 1 or min(root_gb, ephemeral_gb,
                                             swap) < 0 or rxtx_factor <= 0:
            raise CommandError('memory and cpu must be positive, disks '
                               'and swap at least 0, rxtx_factor above 0')
        flavor = objects.Flavor(
            nimbus_context.get_admin_context(), name=name,
            memory_mb=memory_mb, vcpus=vcpus, root_gb=root_gb,
            ephemeral_gb=ephemeral_gb, swap=swap, flavorid=flavorid,
            rxtx_factor=rxtx_factor,
            is_public=_bool_arg(is_public, '--is_public'), disabled=False)
        try:
            flavor.create()
        except exception.Conflict as exc:
            raise CommandError(exc.format_message())
        print('Flavor %s created with id %s' % (name, flavor.flavorid))

    def create_defaults(self):
        """Create m1.tiny ... m1.xlarge (ids 1-5) where missing."""
        created = flavor_obj.create_default_flavors(
            nimbus_context.get_admin_context())
        print('Created %d default flavor(s)%s' % (
            len(created), ': ' + ', '.join(f.name for f in created)
            if created else ''))

    create_defaults.aliases = ['create-defaults']

    def list(self):
        """List flavors, private ones too."""
        flavors = objects.FlavorList.get_all(
            nimbus_context.get_admin_context(), filters={'is_public': None})
        rows = [('ID', 'Name', 'Memory_MB', 'VCPUs', 'Root_GB',
                 'Ephemeral_GB', 'Swap', 'RXTX_Factor', 'Is_Public')]
        for f in flavors:
            rows.append((f.flavorid, f.name, f.memory_mb, f.vcpus,
                         f.root_gb, f.ephemeral_gb, f.swap, f.rxtx_factor,
                         f.is_public))
        _print_table(rows)

    @args('--name', required=True, metavar='NAME')
    def delete(self, name):
        """Delete a flavor by name (instances built from it keep it)."""
        context = nimbus_context.get_admin_context()
        try:
            objects.Flavor.get_by_name(context, name).destroy()
        except exception.NotFound as exc:
            raise CommandError(exc.format_message())
        print('Flavor %s deleted' % name)


class QuotaCommands:
    """Quotas: defaults and per-project limits."""

    def defaults(self):
        """Print the default limit of every resource."""
        defaults = quota.QUOTAS.get_defaults(
            nimbus_context.get_admin_context())
        _print_table([('Resource', 'Limit')] +
                     [(name, defaults[name]) for name in quota.RESOURCES])

    @args('--project', dest='project_id', required=True, metavar='PROJECT')
    def show(self, project_id):
        """Print a project's limits and what it uses."""
        quotas = quota.QUOTAS.get_project_quotas(
            nimbus_context.get_admin_context(), project_id)
        _print_table([('Resource', 'Limit', 'In_Use')] +
                     [(name, quotas[name]['limit'], quotas[name]['in_use'])
                      for name in quota.RESOURCES])

    @args('--project', dest='project_id', required=True, metavar='PROJECT')
    @args('--resource', required=True, metavar='RESOURCE',
          help='instances, cores, ram, floating_ips, ...')
    @args('--limit', required=True, type=int, metavar='N',
          help='The new limit (-1: unlimited)')
    def update(self, project_id, resource, limit):
        """Set one limit of a project."""
        if limit < -1:
            raise CommandError('the limit must be -1 or more')
        try:
            quota.QUOTAS.update_project_quota(
                nimbus_context.get_admin_context(), project_id, resource,
                limit)
        except exception.NotFound as exc:
            raise CommandError(exc.format_message())
        print('%s of %s is now %d' % (resource, project_id, limit))

    @args('--project', dest='project_id', required=True, metavar='PROJECT')
    def delete(self, project_id):
        """Return a project to the default limits."""
        quota.QUOTAS.destroy_all_by_project(
            nimbus_context.get_admin_context(), project_id)
        print('%s uses the default limits again' % project_id)


CATEGORIES = {
    'db': DbCommands,
    'flavor': FlavorCommands,
    'floating': FloatingCommands,
    'network': NetworkCommands,
    'quota': QuotaCommands,
    'service': ServiceCommands,
}


def _add_command_parsers(subparsers):
    for category, command_class in CATEGORIES.items():
        command = command_class()
        parser = subparsers.add_parser(category,
                                       help=command_class.__doc__)
        actions = parser.add_subparsers(dest='action', metavar='ACTION')
        actions.required = True
        for name in sorted(dir(command)):
            func = getattr(command, name)
            if name.startswith('_') or not callable(func):
                continue
            action = actions.add_parser(
                name, help=func.__doc__,
                aliases=getattr(func, 'aliases', []))
            kwarg_names = []
            for arg_names, kwargs in getattr(func, 'args', []):
                name = (kwargs.get('dest') or
                        arg_names[0].lstrip('-')).replace('-', '_')
                kwarg_names.append(name)
                # Prefixed, so --host cannot clash with the global option.
                action.add_argument(*arg_names,
                                    **dict(kwargs, dest=_PREFIX + name))
            action.set_defaults(action_fn=func, action_kwargs=kwarg_names)


_PREFIX = 'action_kwarg_'


_category_opt = cfg.SubCommandOpt('category', title='Command categories',
                                  handler=_add_command_parsers)


def _redact(url):
    scheme, sep, rest = url.partition('://')
    if '@' in rest:
        rest = '***@' + rest.split('@', 1)[1]
    return scheme + sep + rest


def main(argv=None):
    argv = sys.argv if argv is None else argv
    CONF.register_cli_opt(_category_opt)
    try:
        config.parse_args(argv, init_rpc=False)
    except cfg.Error as exc:
        print('nimbus-manage: %s' % exc, file=sys.stderr)
        return 2
    objects.register_all()
    category = CONF.category
    kwargs = {name: getattr(category, _PREFIX + name)
              for name in category.action_kwargs}
    try:
        category.action_fn(**kwargs)
    except CommandError as exc:
        print('nimbus-manage: %s' % exc, file=sys.stderr)
        return getattr(exc, 'exit_code', 1)
    except (db_exc.DBConnectionError, sqlalchemy.exc.OperationalError) as exc:
        print('nimbus-manage: cannot use the database at %s: %s'
              % (_redact(CONF.database.connection),
                 str(exc).splitlines()[0]), file=sys.stderr)
        return 1
    return 0
