"""Default rules of the nova-network proxies: floating IPs, floating IP
pools, security groups and their rules, and the server actions that use
them. A project's members manage its own; readers may look."""

from oslo_policy import policy

from nimbus import policies as base

_P = 'os_compute_api:'


def _rule(name, check_str, description, path, methods=('GET',)):
    return policy.DocumentedRuleDefault(
        name=_P + name, check_str=check_str, description=description,
        operations=[{'path': path, 'method': m} for m in methods])


_FIP = '/os-floating-ips'
_SG = '/os-security-groups'
_ACTION = '/servers/{server_id}/action'

rules = [
    _rule('os-floating-ips:list', base.PROJECT_READER,
          'List the project\'s floating IPs', _FIP),
    _rule('os-floating-ips:show', base.PROJECT_READER,
          'Show a floating IP', _FIP + '/{floating_ip_id}'),
    _rule('os-floating-ips:create', base.PROJECT_MEMBER,
          'Allocate a floating IP to the project', _FIP, ('POST',)),
    _rule('os-floating-ips:delete', base.PROJECT_MEMBER,
          'Release a floating IP', _FIP + '/{floating_ip_id}',
          ('DELETE',)),
    _rule('os-floating-ips:add', base.PROJECT_MEMBER,
          'Associate a floating IP with a server (addFloatingIp)',
          _ACTION, ('POST',)),
    _rule('os-floating-ips:remove', base.PROJECT_MEMBER,
          'Disassociate a floating IP from a server (removeFloatingIp)',
          _ACTION, ('POST',)),
    _rule('os-floating-ip-pools:list', base.PROJECT_READER,
          'List floating IP pools', '/os-floating-ip-pools'),
    _rule('os-security-groups:get', base.PROJECT_READER,
          'List or show the project\'s security groups', _SG),
    _rule('os-security-groups:create', base.PROJECT_MEMBER,
          'Create a security group', _SG, ('POST',)),
    _rule('os-security-groups:update', base.PROJECT_MEMBER,
          'Rename or describe a security group', _SG + '/{id}', ('PUT',)),
    _rule('os-security-groups:delete', base.PROJECT_MEMBER,
          'Delete a security group', _SG + '/{id}', ('DELETE',)),
    _rule('os-security-groups:rule:create', base.PROJECT_MEMBER,
          'Add a rule to a security group', '/os-security-group-rules',
          ('POST',)),
    _rule('os-security-groups:rule:delete', base.PROJECT_MEMBER,
          'Delete a security group rule', '/os-security-group-rules/{id}',
          ('DELETE',)),
    _rule('os-security-groups:list', base.PROJECT_READER,
          'List a server\'s security groups',
          '/servers/{server_id}/os-security-groups'),
    _rule('os-security-groups:add', base.PROJECT_MEMBER,
          'Add a server to a security group (addSecurityGroup)', _ACTION,
          ('POST',)),
    _rule('os-security-groups:remove', base.PROJECT_MEMBER,
          'Remove a server from a security group (removeSecurityGroup)',
          _ACTION, ('POST',)),
]


def list_rules():
    return rules
