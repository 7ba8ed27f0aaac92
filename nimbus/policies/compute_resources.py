"""Default rules of the Compute API's resources other than servers:
flavors, key pairs, quotas and limits, availability zones, services,
hypervisors and hosts.  Admin-only where Nova had them admin-only."""

from oslo_policy import policy

from nimbus import policies as base

_P = 'os_compute_api:'

ANY = '@'
# Key pairs belong to users: the owner, or an administrator.
OWNER = 'rule:admin_api or user_id:%(user_id)s'


def _rule(name, check_str, description, path, methods=('GET',)):
    return policy.DocumentedRuleDefault(
        name=_P + name, check_str=check_str, description=description,
        operations=[{'path': path, 'method': m} for m in methods])


_FLAVOR = '/flavors/{flavor_id}'
_SPECS = _FLAVOR + '/os-extra_specs'
_QUOTA = '/os-quota-sets/{tenant_id}'

rules = [
    _rule('os-flavor-manage:create', base.ADMIN, 'Create a flavor',
          '/flavors', ('POST',)),
    _rule('os-flavor-manage:delete', base.ADMIN, 'Delete a flavor',
          _FLAVOR, ('DELETE',)),
    _rule('os-flavor-extra-specs:index', base.PROJECT_READER,
          'List the extra specs of a flavor', _SPECS),
    _rule('os-flavor-extra-specs:show', base.PROJECT_READER,
          'Show one extra spec of a flavor', _SPECS + '/{key}'),
    _rule('os-flavor-extra-specs:create', base.ADMIN,
          'Add extra specs to a flavor', _SPECS, ('POST',)),
    _rule('os-flavor-extra-specs:update', base.ADMIN,
          'Change one extra spec of a flavor', _SPECS + '/{key}', ('PUT',)),
    _rule('os-flavor-extra-specs:delete', base.ADMIN,
          'Delete one extra spec of a flavor', _SPECS + '/{key}',
          ('DELETE',)),
    _rule('os-flavor-access', base.ADMIN,
          'List the projects that may use a private flavor',
          _FLAVOR + '/os-flavor-access'),
    _rule('os-flavor-access:add_tenant_access', base.ADMIN,
          'Let a project use a private flavor', _FLAVOR + '/action',
          ('POST',)),
    _rule('os-flavor-access:remove_tenant_access', base.ADMIN,
          'Stop a project using a private flavor', _FLAVOR + '/action',
          ('POST',)),

    _rule('os-keypairs:index', OWNER, 'List key pairs', '/os-keypairs'),
    _rule('os-keypairs:create', OWNER, 'Create or import a key pair',
          '/os-keypairs', ('POST',)),
    _rule('os-keypairs:show', OWNER, 'Show a key pair',
          '/os-keypairs/{keypair_name}'),
    _rule('os-keypairs:delete', OWNER, 'Delete a key pair',
          '/os-keypairs/{keypair_name}', ('DELETE',)),

    _rule('os-server-groups:index', base.PROJECT_READER,
          "List the project's server groups (an admin: all_projects)",
          '/os-server-groups'),
    _rule('os-server-groups:create', base.PROJECT_MEMBER,
          'Create a server group', '/os-server-groups', ('POST',)),
    _rule('os-server-groups:show', base.PROJECT_READER,
          'Show a server group', '/os-server-groups/{server_group_id}'),
    _rule('os-server-groups:delete', base.PROJECT_MEMBER,
          'Delete a server group', '/os-server-groups/{server_group_id}',
          ('DELETE',)),

    _rule('os-quota-sets:show', base.PROJECT_READER,
          'Show the quotas of a project', _QUOTA),
    _rule('os-quota-sets:detail', base.PROJECT_READER,
          'Show the quotas of a project with usage', _QUOTA + '/detail'),
    _rule('os-quota-sets:defaults', ANY, 'Show the default quotas',
          _QUOTA + '/defaults'),
    _rule('os-quota-sets:update', base.ADMIN,
          'Change the quotas of a project', _QUOTA, ('PUT',)),
    _rule('os-quota-sets:delete', base.ADMIN,
          'Revert the quotas of a project to the defaults', _QUOTA,
          ('DELETE',)),
    _rule('os-quota-class-sets:show', base.ADMIN,
          'Show the limits of a quota class', '/os-quota-class-sets/{id}'),
    _rule('os-quota-class-sets:update', base.ADMIN,
          'Change the limits of a quota class', '/os-quota-class-sets/{id}',
          ('PUT',)),
    _rule('limits', ANY, "Show the caller's project limits and usage",
          '/limits'),
    _rule('limits:other_project', base.ADMIN,
          "Show another project's limits (tenant_id)", '/limits'),

    _rule('os-availability-zone:list', ANY, 'List availability zones',
          '/os-availability-zone'),
    _rule('os-availability-zone:detail', base.ADMIN,
          'List availability zones with their hosts and services',
          '/os-availability-zone/detail'),

    _rule('os-services:list', base.ADMIN, 'List services', '/os-services'),
    _rule('os-services:update', base.ADMIN,
          'Enable, disable or force down a service', '/os-services/{action}',
          ('PUT',)),
    _rule('os-services:delete', base.ADMIN, 'Delete a service',
          '/os-services/{service_id}', ('DELETE',)),

    _rule('os-hypervisors:list', base.ADMIN, 'List hypervisors',
          '/os-hypervisors'),
    _rule('os-hypervisors:list-detail', base.ADMIN,
          'List hypervisors in detail', '/os-hypervisors/detail'),
    _rule('os-hypervisors:statistics', base.ADMIN,
          'Show the sums of every hypervisor',
          '/os-hypervisors/statistics'),
    _rule('os-hypervisors:show', base.ADMIN, 'Show a hypervisor',
          '/os-hypervisors/{hypervisor_id}'),
    _rule('os-hypervisors:search', base.ADMIN,
          'Find hypervisors by host name',
          '/os-hypervisors/{hypervisor_hostname_pattern}/search'),
    _rule('os-hypervisors:servers', base.ADMIN,
          'List the servers of hypervisors',
          '/os-hypervisors/{hypervisor_hostname_pattern}/servers'),

    _rule('os-hosts:list', base.ADMIN, 'List hosts', '/os-hosts'),
    _rule('os-hosts:show', base.ADMIN, 'Show the resources of a host',
          '/os-hosts/{host_name}'),
]


def list_rules():
    return rules
