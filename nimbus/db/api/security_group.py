"""Security groups, their ingress rules, and which instances are in them.

Group dicts carry ``rules``: rule dicts with, for a rule whose source is
another group, ``group`` = {'name', 'tenant_id'} of that group.
"""

import functools

import sqlalchemy as sa
from sqlalchemy import orm

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session
from nimbus import exception

Group = models.SecurityGroup
Rule = models.SecurityGroupIngressRule
Association = models.SecurityGroupInstanceAssociation
DefaultRule = models.SecurityGroupIngressDefaultRule
Instance = models.Instance
FixedIp = models.FixedIp

DEFAULT = 'default'
_RULE_COLUMNS = ('protocol', 'from_port', 'to_port', 'cidr')


def _rules_of(context, group_ids):
    rules = {}
    if not group_ids:
        return rules
    found = utils.dicts(
        context, _rules_stmt(_read_deleted(context)), utils.column_keys(Rule),
        {'group_ids': list(group_ids)})
    sources = {rule['group_id'] for rule in found if rule['group_id']}
    names = {}
    if sources:
        names = {id_: (name, project_id)
                 for id_, name, project_id in utils.rows(context, sa.select(
                     Group.id, Group.name, Group.project_id)
                     .where(Group.id.in_(sources)))}
    for rule in found:
        source = names.get(rule['group_id'])
        rule['group'] = ({'name': source[0], 'tenant_id': source[1]}
                         if source is not None else None)
        rules.setdefault(rule['parent_group_id'], []).append(rule)
    return rules


def _with_rules(context, rows):
    """Group dicts (from rows or dicts) with their 'rules'."""
    dicts = [row if isinstance(row, dict) else row.as_dict() for row in rows]
    rules = _rules_of(context, [d['id'] for d in dicts])
    for d in dicts:
        d['rules'] = rules.get(d['id'], [])
    return dicts


def _group_row(context, group_id):
    row = context.session.scalars(utils.model_query(context, Group)
                                  .where(Group.id == group_id)).first()
    if row is None:
        raise exception.SecurityGroupNotFound(security_group_id=group_id)
    return row


def ensure_default_row(context, project_id, user_id):
    """The default group's row (inside a writer transaction)."""
    row = context.session.scalars(utils.model_query(context, Group).where(
        Group.project_id == project_id, Group.name == DEFAULT)).first()
    if row is not None:
        return row
    row = Group(name=DEFAULT, description=DEFAULT, project_id=project_id,
                user_id=user_id)
    row.save(context.session)
    for default in context.session.scalars(
            utils.model_query(context, DefaultRule)):
        context.session.add(Rule(parent_group_id=row.id, **{
            column: getattr(default, column) for column in _RULE_COLUMNS}))
    context.session.flush()
    return row


@session.writer
def security_group_ensure_default(context, project_id, user_id=None):
    """The project's 'default' group, made (with the default rules) on
    first use."""
    row = ensure_default_row(context, project_id, user_id)
    return _with_rules(context, [row])[0]


@session.reader
def security_group_get_all(context, project_id=None):
    """Every group (of ``project_id`` when given), with rules, by id."""
    stmt = utils.model_query(context, Group)
    if project_id is not None:
        stmt = stmt.where(Group.project_id == project_id)
    return _with_rules(context, context.session.scalars(
        stmt.order_by(Group.id)))


@session.reader
def security_group_get(context, group_id):
    return _with_rules(context, [_group_row(context, group_id)])[0]


@session.reader
def security_group_get_by_name(context, project_id, name):
    row = context.session.scalars(utils.model_query(context, Group).where(
        Group.project_id == project_id, Group.name == name)).first()
    if row is None:
        raise exception.SecurityGroupNotFoundForProject(
            security_group_id=name, project_id=project_id)
    return _with_rules(context, [row])[0]


@session.reader
def security_group_get_by_instance(context, instance_uuid):
    return _with_rules(context, utils.dicts(
        context, _by_instance_stmt(_read_deleted(context)),
        utils.column_keys(Group), {'instance_uuid': instance_uuid}))


# The two reads of every build's firewall rules (the conductor sends them
# with the build), built once per read_deleted: building them and their
# cache keys per call was about half of their cost, profiled.

def _read_deleted(context):
    return getattr(context, 'read_deleted', 'no')


@functools.cache
def _by_instance_stmt(read_deleted):
    stmt = (utils.model_query(None, Group, read_deleted)
            .join(Association, Association.security_group_id == Group.id)
            .where(Association.instance_uuid == sa.bindparam('instance_uuid'),
                   Association.deleted == 0))
    return utils.only_columns(stmt, Group).order_by(Group.id)


@functools.cache
def _rules_stmt(read_deleted):
    stmt = utils.model_query(None, Rule, read_deleted).where(
        Rule.parent_group_id.in_(sa.bindparam('group_ids', expanding=True)))
    return utils.only_columns(stmt, Rule).order_by(Rule.id)


def _name_taken(context, project_id, name, but=None):
    stmt = sa.select(Group.id).where(
        Group.deleted == 0, Group.project_id == project_id,
        Group.name == name)
    if but is not None:
        stmt = stmt.where(Group.id != but)
    return context.session.scalar(stmt) is not None


@session.writer
def security_group_create(context, values):
    """A new group; SecurityGroupExists when the project has one of that
    name."""
    if _name_taken(context, values['project_id'], values['name']):
        raise exception.SecurityGroupExists(
            security_group_name=values['name'],
            project_id=values['project_id'])
    row = Group(**values)
    row.save(context.session)
    return _with_rules(context, [row])[0]


@session.writer
def security_group_update(context, group_id, values):
    row = _group_row(context, group_id)
    if 'name' in values and _name_taken(context, row.project_id,
                                        values['name'], but=row.id):
        raise exception.SecurityGroupExists(
            security_group_name=values['name'], project_id=row.project_id)
    row.update(values)
    context.session.add(row)
    context.session.flush()
    return _with_rules(context, [row])[0]


@session.writer
def security_group_destroy(context, group_id):
    """Delete a group and its rules; SecurityGroupInUse while an instance
    is in it or another group's rule names it as source."""
    row = _group_row(context, group_id)
    members = context.session.scalar(sa.select(sa.func.count(
        Association.id)).join(Instance, Instance.uuid ==
                              Association.instance_uuid).where(
        Association.security_group_id == group_id, Association.deleted == 0,
        Instance.deleted == 0))
    referenced = context.session.scalar(sa.select(sa.func.count(Rule.id))
                                        .where(Rule.group_id == group_id,
                                               Rule.deleted == 0,
                                               Rule.parent_group_id !=
                                               group_id))
    if members or referenced:
        raise exception.SecurityGroupInUse(name=row.name)
    for rule in context.session.scalars(utils.model_query(context, Rule)
                                        .where(Rule.parent_group_id ==
                                               group_id)):
        rule.soft_delete(context.session)
    row.soft_delete(context.session)
    context.session.flush()


# Rules -----------------------------------------------------------------------

@session.writer
def security_group_rule_create(context, values):
    """A new rule; SecurityGroupRuleExists when the group has the same."""
    stmt = utils.model_query(context, Rule).where(
        Rule.parent_group_id == values['parent_group_id'])
    for column in _RULE_COLUMNS + ('group_id',):
        value = values.get(column)
        attr = getattr(Rule, column)
        stmt = stmt.where(attr.is_(None) if value is None else attr == value)
    if context.session.scalars(stmt).first() is not None:
        raise exception.SecurityGroupRuleExists(
            group=values['parent_group_id'])
    row = Rule(**values)
    row.save(context.session)
    return _rules_of(context, [row.parent_group_id])[row.parent_group_id][-1]


@session.reader
def security_group_rule_get(context, rule_id):
    row = context.session.scalars(utils.model_query(context, Rule)
                                  .where(Rule.id == rule_id)).first()
    if row is None:
        raise exception.SecurityGroupRuleNotFound(rule_id=rule_id)
    return row.as_dict()


@session.writer
def security_group_rule_destroy(context, rule_id):
    row = context.session.scalars(utils.model_query(context, Rule)
                                  .where(Rule.id == rule_id)).first()
    if row is None:
        raise exception.SecurityGroupRuleNotFound(rule_id=rule_id)
    row.soft_delete(context.session)
    context.session.flush()


@session.reader
def security_group_rule_count_by_group(context, group_id):
    return context.session.scalar(sa.select(sa.func.count(Rule.id)).where(
        Rule.parent_group_id == group_id, Rule.deleted == 0))


# Membership ------------------------------------------------------------------

@session.writer
def security_group_add_instance(context, group_id, instance_uuid):
    exists = context.session.scalar(sa.select(Association.id).where(
        Association.security_group_id == group_id,
        Association.instance_uuid == instance_uuid,
        Association.deleted == 0))
    if exists is not None:
        raise exception.SecurityGroupExistsForInstance(
            security_group_id=group_id, instance_id=instance_uuid)
    context.session.add(Association(security_group_id=group_id,
                                    instance_uuid=instance_uuid))
    context.session.flush()


@session.writer
def security_group_remove_instance(context, group_id, instance_uuid):
    row = context.session.scalars(utils.model_query(context, Association)
                                  .where(Association.security_group_id ==
                                         group_id,
                                         Association.instance_uuid ==
                                         instance_uuid)).first()
    if row is None:
        raise exception.SecurityGroupNotExistsForInstance(
            security_group_id=group_id, instance_id=instance_uuid)
    row.soft_delete(context.session)
    context.session.flush()


@session.reader
def instances_in_groups(context, group_ids):
    """{instance uuid: host} of the live instances in any of the groups."""
    if not group_ids:
        return {}
    stmt = (sa.select(Instance.uuid, Instance.host)
            .join(Association, Association.instance_uuid == Instance.uuid)
            .where(Association.security_group_id.in_(group_ids),
                   Association.deleted == 0, Instance.deleted == 0))
    return dict(context.session.execute(stmt).all())


@session.reader
def groups_with_source(context, group_ids):
    """Ids of groups with a rule whose source is one of ``group_ids``."""
    if not group_ids:
        return set()
    return set(context.session.scalars(sa.select(Rule.parent_group_id).where(
        Rule.group_id.in_(group_ids), Rule.deleted == 0)))


@session.reader
def instances_following_members(context, instance_uuid):
    """{uuid: host} of the live instances whose rules follow the members
    of one of ``instance_uuid``'s groups: members of a group with a rule
    whose source is such a group. One query; empty (the usual case) when
    no rule names the instance's groups as source."""
    return dict(utils.rows(context, _following_members(),
                           {'instance_uuid': instance_uuid}).all())


@utils.prebuilt
def _following_members():
    mine = orm.aliased(Association)
    theirs = orm.aliased(Association)
    return (sa.select(Instance.uuid, Instance.host).distinct()
            .select_from(mine)
            .join(Group, Group.id == mine.security_group_id)
            .join(Rule, Rule.group_id == mine.security_group_id)
            .join(theirs, theirs.security_group_id == Rule.parent_group_id)
            .join(Instance, Instance.uuid == theirs.instance_uuid)
            .where(mine.instance_uuid == sa.bindparam('instance_uuid'),
                   mine.deleted == 0, Group.deleted == 0, Rule.deleted == 0,
                   theirs.deleted == 0, Instance.deleted == 0))


@session.reader
def instance_ingress_rules(context, instance_uuid):
    """The instance's rules as the firewall takes them: dicts of
    protocol, from_port, to_port, cidr; a rule whose source is a group
    becomes one /32 rule per fixed IP of the group's live members."""
    groups = security_group_get_by_instance(context, instance_uuid)
    result = []
    for group in groups:
        for rule in group['rules']:
            protocol = (rule['protocol'] or '').lower()
            if protocol:
                kinds = [(protocol, rule['from_port'], rule['to_port'])]
            else:
                # A group rule with no protocol allows everything.
                kinds = _ALL_TRAFFIC
            if rule['group_id'] is None:
                cidrs = [rule['cidr'] or '0.0.0.0/0']
            else:
                cidrs = ['%s/32' % address for address in
                         _member_addresses(context, rule['group_id'])]
            for cidr in cidrs:
                for protocol, from_port, to_port in kinds:
                    result.append({'protocol': protocol,
                                   'from_port': from_port,
                                   'to_port': to_port, 'cidr': cidr})
    return result


_ALL_TRAFFIC = (('icmp', -1, -1), ('tcp', 1, 65535), ('udp', 1, 65535))


def _member_addresses(context, group_id):
    stmt = (sa.select(FixedIp.address)
            .join(Association, Association.instance_uuid ==
                  FixedIp.instance_uuid)
            .join(Instance, Instance.uuid == FixedIp.instance_uuid)
            .where(Association.security_group_id == group_id,
                   Association.deleted == 0, Instance.deleted == 0,
                   FixedIp.deleted == 0, FixedIp.allocated == sa.true())
            .order_by(FixedIp.address))
    return list(context.session.scalars(stmt))
