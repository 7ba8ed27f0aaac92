"""Security groups as the Compute API and nimbus-network use them (both
have the database; compute nodes read rules through the conductor): checks,
quotas, database writes, and the refresh of the compute hosts whose
instances' filters change.

Who is refreshed (a cast ``refresh_instance_security_rules`` per instance
to its host, as the database names it once the change is committed: a
compute host applies the rules nimbus-conductor read when it chose the
host, after saving it, so a change that read missed must reach that
host -- nimbus.compute.security):

- a rule added to or removed from group G: the members of G;
- an instance joining or leaving G (addSecurityGroup, removeSecurityGroup):
  the instance itself, and the members of every group with a rule whose
  source is G, since their /32 rules follow G's members;
- an instance's fixed IPs coming or going at build and delete: the
  members of every group with a rule whose source is one of its groups
  (nimbus-network reads them with
  ``security_group.instances_following_members`` after its allocation's
  or deallocation's transaction, and calls ``refresh_instances``).
"""

import ipaddress

from oslo_log import log as logging

from nimbus.compute import rpcapi as compute_rpcapi
from nimbus.db.api import instance as instance_db
from nimbus.db.api import security_group as sg_db
from nimbus import exception
from nimbus import quota

LOG = logging.getLogger(__name__)

PROTOCOLS = ('tcp', 'udp', 'icmp')


def _compute_rpcapi():
    return compute_rpcapi.ComputeAPI()


# Refresh ---------------------------------------------------------------------

def refresh_instances(context, instances):
    """Cast a refresh to the host of each of ``instances`` ({uuid: host});
    instances not on a host yet get their filter when built."""
    rpcapi = None
    for instance_uuid, host in sorted(instances.items()):
        if not host:
            continue
        rpcapi = rpcapi or _compute_rpcapi()
        try:
            rpcapi.refresh_instance_security_rules(context, instance_uuid,
                                                   host)
        except Exception:
            LOG.exception('Could not ask %s to refresh the filter of %s',
                          host, instance_uuid)


def trigger_rules_refresh(context, group_id):
    """The rules of ``group_id`` changed."""
    admin = context.elevated()
    refresh_instances(admin, sg_db.instances_in_groups(admin, [group_id]))


def trigger_members_refresh(context, group_ids, instance_uuid=None):
    """The members of ``group_ids`` changed (``instance_uuid`` joined or
    left): refresh it and the members of the groups whose rules have one
    of ``group_ids`` as source."""
    admin = context.elevated()
    affected = {}
    if instance_uuid is not None:
        # Its host now, not that of the copy the request read first: the
        # conductor may have chosen one since.
        try:
            affected[instance_uuid] = instance_db.instance_get_by_uuid(
                admin, instance_uuid)['host']
        except exception.InstanceNotFound:
            pass
    referencing = sg_db.groups_with_source(admin, list(group_ids))
    affected.update(sg_db.instances_in_groups(admin, sorted(referencing)))
    refresh_instances(admin, affected)


# Groups ----------------------------------------------------------------------

# Ids are INTEGER columns: a larger number names no row (and would make
# the database fail rather than find nothing).
MAX_ID = 2 ** 31 - 1


def parse_id(value):
    """``value`` as a row id, or None when it cannot be one."""
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number <= MAX_ID else None


def _parse_id(value):
    # Not an id, so no such group: 404 (python-openstackclient looks a
    # group up by name as GET /os-security-groups/NAME and falls back to
    # the list only on 404).
    number = parse_id(value)
    if number is None:
        raise exception.SecurityGroupNotFound(security_group_id=value)
    return number


def _visible(context, group):
    return context.is_admin or group['project_id'] == context.project_id


def list_groups(context, all_projects=False):
    sg_db.security_group_ensure_default(context.elevated(),
                                        context.project_id, context.user_id)
    if all_projects and context.is_admin:
        return sg_db.security_group_get_all(context.elevated())
    return sg_db.security_group_get_all(context.elevated(),
                                        context.project_id)


def get_group(context, group_id):
    """A group of the context's project (any for an admin), by id;
    SecurityGroupNotFound."""
    group_id = _parse_id(group_id)
    group = sg_db.security_group_get(context.elevated(), group_id)
    if not _visible(context, group):
        raise exception.SecurityGroupNotFound(security_group_id=group_id)
    return group


def get_group_by_name(context, name, project_id=None):
    project_id = project_id or context.project_id
    if not _printable(name):
        raise exception.SecurityGroupNotFoundForProject(
            security_group_id=name, project_id=project_id)
    if name == sg_db.DEFAULT:
        sg_db.security_group_ensure_default(context.elevated(), project_id,
                                            context.user_id)
    return sg_db.security_group_get_by_name(context.elevated(), project_id,
                                            name)


def _printable(value):
    return all(char.isprintable() for char in value)


def _check_text(name, description):
    for field, value in (('name', name), ('description', description)):
        if value is None or not value.strip():
            raise exception.Invalid(
                reason='Security group %s cannot be empty.' % field)
        if not _printable(value):
            raise exception.Invalid(
                reason='Security group %s has control characters.' % field)


def create_group(context, name, description):
    _check_text(name, description)
    sg_db.security_group_ensure_default(context.elevated(),
                                        context.project_id, context.user_id)
    values = {'name': name, 'description': description,
              'project_id': context.project_id, 'user_id': context.user_id}
    return quota.QUOTAS.check_deltas_and_run(
        context, context.project_id, context.user_id,
        {'security_groups': 1},
        lambda txn: sg_db.security_group_create(txn, values))


def update_group(context, group_id, name, description):
    group = get_group(context, group_id)
    if group['name'] == sg_db.DEFAULT:
        raise exception.SecurityGroupDefaultProtected(action='updated')
    _check_text(name, description)
    return sg_db.security_group_update(
        context.elevated(), group['id'],
        {'name': name, 'description': description})


def delete_group(context, group_id):
    group = get_group(context, group_id)
    if group['name'] == sg_db.DEFAULT:
        raise exception.SecurityGroupDefaultProtected(action='deleted')
    sg_db.security_group_destroy(context.elevated(), group['id'])


# Rules -----------------------------------------------------------------------

def _port(value, name):
    if value is None or value == '':
        return None
    try:
        return int(str(value))
    except ValueError:
        raise exception.Invalid(reason='%s must be an integer' % name)


def rule_values(context, parent, ip_protocol=None, from_port=None,
                to_port=None, cidr=None, group_id=None):
    """Checked values of a new rule in ``parent`` (a group dict); raises
    Invalid (400) or SecurityGroupNotFound (source group)."""
    from_port = _port(from_port, 'from_port')
    to_port = _port(to_port, 'to_port')
    protocol = (ip_protocol or '').lower() or None
    values = {'parent_group_id': parent['id']}
    if group_id not in (None, ''):
        if cidr:
            raise exception.Invalid(reason='Give either cidr or group_id, '
                                           'not both.')
        source = get_group(context, group_id)
        values['group_id'] = source['id']
    else:
        cidr = cidr or '0.0.0.0/0'
        try:
            values['cidr'] = str(ipaddress.ip_network(cidr, strict=False))
        except ValueError:
            raise exception.Invalid(reason='Invalid cidr %s.' % cidr)
    if protocol is None:
        if 'group_id' in values and from_port is None and to_port is None:
            return values  # every protocol from the source group
        raise exception.Invalid(reason='ip_protocol must be one of %s.'
                                % ', '.join(PROTOCOLS))
    if protocol not in PROTOCOLS:
        raise exception.Invalid(reason='Invalid IP protocol %s.'
                                % ip_protocol)
    if from_port is None or to_port is None:
        raise exception.Invalid(reason='from_port and to_port are needed '
                                       'for %s rules.' % protocol)
    if protocol == 'icmp':
        # type and code: -1 means any.
        if not (-1 <= from_port <= 255 and -1 <= to_port <= 255):
            raise exception.Invalid(reason='ICMP type and code must be '
                                           'between -1 and 255.')
    else:
        if not (1 <= from_port <= 65535 and 1 <= to_port <= 65535):
            raise exception.Invalid(reason='Ports must be between 1 and '
                                           '65535.')
        if from_port > to_port:
            raise exception.Invalid(reason='from_port must not be greater '
                                           'than to_port.')
    values.update(protocol=protocol, from_port=from_port, to_port=to_port)
    return values


def create_rule(context, parent_group_id, **kwargs):
    parent = get_group(context, parent_group_id)
    values = rule_values(context, parent, **kwargs)
    limits = quota.QUOTAS.get_limits(context, parent['project_id'])
    limit = limits['security_group_rules']
    if 0 <= limit <= sg_db.security_group_rule_count_by_group(
            context.elevated(), parent['id']):
        raise exception.OverQuota(
            'Quota exceeded, too many security group rules.',
            overs=['security_group_rules'])
    rule = sg_db.security_group_rule_create(context.elevated(), values)
    trigger_rules_refresh(context, parent['id'])
    return rule


def delete_rule(context, rule_id):
    number = parse_id(rule_id)
    if number is None:
        raise exception.SecurityGroupRuleNotFound(rule_id=rule_id)
    rule_id = number
    rule = sg_db.security_group_rule_get(context.elevated(), rule_id)
    try:
        get_group(context, rule['parent_group_id'])
    except exception.SecurityGroupNotFound:
        raise exception.SecurityGroupRuleNotFound(rule_id=rule_id)
    sg_db.security_group_rule_destroy(context.elevated(), rule_id)
    trigger_rules_refresh(context, rule['parent_group_id'])


# Instances -------------------------------------------------------------------

def groups_of_instance(context, instance):
    return sg_db.security_group_get_by_instance(context.elevated(),
                                                instance.uuid)


def add_to_instance(context, instance, name):
    group = get_group_by_name(context, name, instance.project_id)
    sg_db.security_group_add_instance(context.elevated(), group['id'],
                                      instance.uuid)
    trigger_members_refresh(context, [group['id']], instance.uuid)


def remove_from_instance(context, instance, name):
    group = get_group_by_name(context, name, instance.project_id)
    sg_db.security_group_remove_instance(context.elevated(), group['id'],
                                         instance.uuid)
    trigger_members_refresh(context, [group['id']], instance.uuid)
