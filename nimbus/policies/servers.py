"""Default rules of the servers API and its sub-resources."""

from oslo_policy import policy

from nimbus import policies as base

_P = 'os_compute_api:'


def _rule(name, check_str, description, path, methods=('POST',)):
    return policy.DocumentedRuleDefault(
        name=_P + name, check_str=check_str, description=description,
        operations=[{'path': path, 'method': m} for m in methods])


_ACTION = '/servers/{server_id}/action'

rules = [
    _rule('servers:index', base.PROJECT_READER, 'List servers',
          '/servers', ('GET',)),
    _rule('servers:detail', base.PROJECT_READER, 'List servers in detail',
          '/servers/detail', ('GET',)),
    _rule('servers:index:get_all_tenants', base.ADMIN,
          "List servers of every project (all_tenants)", '/servers',
          ('GET',)),
    _rule('servers:show', base.PROJECT_READER, 'Show a server',
          '/servers/{server_id}', ('GET',)),
    _rule('servers:show:extended_attributes', base.ADMIN,
          'See OS-EXT-SRV-ATTR (host, instance name, …) of servers',
          '/servers/{server_id}', ('GET',)),
    _rule('servers:show:host_status', base.ADMIN,
          'See host_status of servers (2.16)', '/servers/{server_id}',
          ('GET',)),
    _rule('servers:create', base.PROJECT_MEMBER, 'Create a server',
          '/servers'),
    _rule('servers:create:forced_host', base.ADMIN,
          'Create a server on a host named in availability_zone '
          '(zone:host)', '/servers'),
    _rule('servers:update', base.PROJECT_MEMBER, 'Update a server',
          '/servers/{server_id}', ('PUT',)),
    _rule('servers:delete', base.PROJECT_MEMBER, 'Delete a server',
          '/servers/{server_id}', ('DELETE',)),
    _rule('servers:reboot', base.PROJECT_MEMBER, 'Reboot a server',
          _ACTION),
    _rule('servers:start', base.PROJECT_MEMBER, 'Start a server', _ACTION),
    _rule('servers:stop', base.PROJECT_MEMBER, 'Stop a server', _ACTION),
    _rule('servers:rebuild', base.PROJECT_MEMBER, 'Rebuild a server',
          _ACTION),
    _rule('servers:resize', base.PROJECT_MEMBER, 'Resize a server',
          _ACTION),
    _rule('servers:confirm_resize', base.PROJECT_MEMBER,
          'Confirm a resize', _ACTION),
    _rule('servers:revert_resize', base.PROJECT_MEMBER, 'Revert a resize',
          _ACTION),
    _rule('servers:create_image', base.PROJECT_MEMBER,
          'Snapshot a server to an image', _ACTION),
    _rule('os-pause-server:pause', base.PROJECT_MEMBER, 'Pause', _ACTION),
    _rule('os-pause-server:unpause', base.PROJECT_MEMBER, 'Unpause',
          _ACTION),
    _rule('os-suspend-server:suspend', base.PROJECT_MEMBER, 'Suspend',
          _ACTION),
    _rule('os-suspend-server:resume', base.PROJECT_MEMBER, 'Resume',
          _ACTION),
    _rule('os-unrescue', base.PROJECT_MEMBER, 'Leave rescue mode', _ACTION),
    _rule('os-lock-server:lock', base.PROJECT_MEMBER, 'Lock', _ACTION),
    _rule('os-lock-server:unlock', base.PROJECT_MEMBER, 'Unlock', _ACTION),
    _rule('os-lock-server:unlock:unlock_override', base.ADMIN,
          'Unlock a server locked by someone else', _ACTION),
    _rule('os-rescue', base.PROJECT_MEMBER, 'Boot a server from a rescue '
          'image', _ACTION),
    _rule('os-console-output', base.PROJECT_MEMBER,
          'Read the console output', _ACTION),
    _rule('os-admin-actions:reset_state', base.ADMIN,
          'Reset the state of a server', _ACTION),
    _rule('os-deferred-delete:force', base.PROJECT_MEMBER,
          'Delete a soft-deleted server now', _ACTION),
    _rule('os-deferred-delete:restore', base.PROJECT_MEMBER,
          'Restore a soft-deleted server', _ACTION),
    _rule('os-instance-actions:list', base.PROJECT_READER,
          'List the actions of a server',
          '/servers/{server_id}/os-instance-actions', ('GET',)),
    _rule('os-instance-actions:show', base.PROJECT_READER,
          'Show one action of a server',
          '/servers/{server_id}/os-instance-actions/{request_id}',
          ('GET',)),
    _rule('os-instance-actions:events', base.ADMIN,
          'See the events of an action',
          '/servers/{server_id}/os-instance-actions/{request_id}',
          ('GET',)),
    _rule('server-metadata:index', base.PROJECT_READER, 'List metadata',
          '/servers/{server_id}/metadata', ('GET',)),
    _rule('server-metadata:show', base.PROJECT_READER, 'Show a key',
          '/servers/{server_id}/metadata/{key}', ('GET',)),
    _rule('server-metadata:create', base.PROJECT_MEMBER,
          'Add or change keys', '/servers/{server_id}/metadata'),
    _rule('server-metadata:update_all', base.PROJECT_MEMBER,
          'Replace all metadata', '/servers/{server_id}/metadata',
          ('PUT',)),
    _rule('server-metadata:update', base.PROJECT_MEMBER, 'Set a key',
          '/servers/{server_id}/metadata/{key}', ('PUT',)),
    _rule('server-metadata:delete', base.PROJECT_MEMBER, 'Delete a key',
          '/servers/{server_id}/metadata/{key}', ('DELETE',)),
    _rule('ips:index', base.PROJECT_READER, 'List addresses',
          '/servers/{server_id}/ips', ('GET',)),
    _rule('ips:show', base.PROJECT_READER, 'Addresses on one network',
          '/servers/{server_id}/ips/{network_label}', ('GET',)),
    _rule('os-server-tags:index', base.PROJECT_READER, 'List tags',
          '/servers/{server_id}/tags', ('GET',)),
    _rule('os-server-tags:show', base.PROJECT_READER, 'Check a tag',
          '/servers/{server_id}/tags/{tag}', ('GET',)),
    _rule('os-server-tags:update', base.PROJECT_MEMBER, 'Add a tag',
          '/servers/{server_id}/tags/{tag}', ('PUT',)),
    _rule('os-server-tags:update_all', base.PROJECT_MEMBER,
          'Replace the tags', '/servers/{server_id}/tags', ('PUT',)),
    _rule('os-server-tags:delete', base.PROJECT_MEMBER, 'Remove a tag',
          '/servers/{server_id}/tags/{tag}', ('DELETE',)),
    _rule('os-server-tags:delete_all', base.PROJECT_MEMBER,
          'Remove every tag', '/servers/{server_id}/tags', ('DELETE',)),
]


def list_rules():
    return rules
