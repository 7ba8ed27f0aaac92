"""Server groups: a project's groups, their members, and where the
members are (for the scheduler's affinity filters)."""

from oslo_utils import timeutils
import sqlalchemy as sa

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session
from nimbus import exception

Group = models.InstanceGroup
Member = models.InstanceGroupMember
Instance = models.Instance


def _live_members(group_ids):
    """(group_id, instance_uuid) of the live instances of the groups."""
    return (sa.select(Member.group_id, Member.instance_uuid)
            .join(Instance, Instance.uuid == Member.instance_uuid)
            .where(Member.group_id.in_(group_ids), Member.deleted == 0,
                   Instance.deleted == 0)
            .order_by(Member.id))


def _with_members(context, rows):
    groups = [row.as_dict() for row in rows]
    by_id = {group['id']: group for group in groups}
    for group in groups:
        group['members'] = []
    if by_id:
        for group_id, uuid in context.session.execute(
                _live_members(list(by_id))):
            by_id[group_id]['members'].append(uuid)
    return groups


def _get(context, uuid, project_id=None):
    stmt = utils.model_query(context, Group, read_deleted='no').where(
        Group.uuid == uuid)
    if project_id is not None:
        stmt = stmt.where(Group.project_id == project_id)
    row = context.session.scalars(stmt).first()
    if row is None:
        raise exception.InstanceGroupNotFound(group_uuid=uuid)
    return row


def group_create(context, values):
    """Create a group inside the caller's writer transaction (the quota
    check's, QUOTAS.check_deltas_and_run)."""
    row = Group()
    row.update(values)
    row.save(context.session)
    return _with_members(context, [row])[0]


@session.reader
def group_get(context, uuid, project_id=None):
    """The group with its live members' uuids; InstanceGroupNotFound if
    unknown, deleted, or (with ``project_id``) another project's."""
    return _with_members(context, [_get(context, uuid, project_id)])[0]


@session.reader
def group_get_all(context, project_id=None, limit=None, offset=None):
    """Groups oldest first: a project's, or every project's (None)."""
    stmt = utils.model_query(context, Group, read_deleted='no').order_by(
        Group.id)
    if project_id is not None:
        stmt = stmt.where(Group.project_id == project_id)
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return _with_members(context, context.session.scalars(stmt))


@session.writer
def group_delete(context, uuid, project_id=None):
    row = _get(context, uuid, project_id)
    context.session.execute(
        sa.update(Member).where(Member.group_id == row.id,
                                Member.deleted == 0)
        .values(deleted=Member.id, deleted_at=timeutils.utcnow()))
    row.soft_delete(context.session)


def add_members(context, group_uuid, instance_uuids):
    """Make the instances members of the group, inside the caller's
    writer transaction (the instances' own)."""
    row = _get(context, group_uuid)
    for uuid in instance_uuids:
        member = Member(group_id=row.id, instance_uuid=uuid)
        context.session.add(member)
    context.session.flush()


@session.reader
def member_count(context, group_uuid):
    """How many live instances the group has."""
    row = _get(context, group_uuid)
    return int(context.session.execute(
        sa.select(sa.func.count()).select_from(
            _live_members([row.id]).subquery())).scalar() or 0)


@session.reader
def group_of_instances(context, group_uuid):
    """(policy, {instance uuid: host or None} of the live members, set of
    the deleted members' uuids), for the scheduler;
    InstanceGroupNotFound if the group is gone."""
    row = _get(context, group_uuid)
    stmt = (sa.select(Member.instance_uuid, Instance.host,
                      Instance.deleted)
            .join(Instance, Instance.uuid == Member.instance_uuid)
            .where(Member.group_id == row.id, Member.deleted == 0))
    live, gone = {}, set()
    for uuid, host, deleted in context.session.execute(stmt):
        if deleted:
            gone.add(uuid)
        else:
            live[uuid] = host
    return row.policy, live, gone


@session.reader
def count_groups(context, project_id):
    return int(context.session.execute(
        sa.select(sa.func.count(Group.id)).where(
            Group.deleted == 0, Group.project_id == project_id)).scalar()
        or 0)
