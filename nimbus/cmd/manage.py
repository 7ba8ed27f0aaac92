"""nimbus-manage: the operator's command line.

    nimbus-manage db sync [--version REV]
    nimbus-manage db version
    nimbus-manage service list [--host H] [--binary B]
    nimbus-manage service enable --host H --binary B
    nimbus-manage service disable --host H --binary B [--reason TEXT]

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
from nimbus import servicegroup


def args(*names, **kwargs):
    """Declare one argument of a command (argparse add_argument)."""
    def decorate(func):
        func.__dict__.setdefault('args', []).insert(0, (names, kwargs))
        return func
    return decorate


class CommandError(Exception):
    """A failure to report as one line on stderr, exit code 1."""


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


CATEGORIES = {
    'db': DbCommands,
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
            action = actions.add_parser(name, help=func.__doc__)
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
        return 1
    except (db_exc.DBConnectionError, sqlalchemy.exc.OperationalError) as exc:
        print('nimbus-manage: cannot use the database at %s: %s'
              % (_redact(CONF.database.connection),
                 str(exc).splitlines()[0]), file=sys.stderr)
        return 1
    return 0
