"""Quotas: per-project limits, the 'default' class, usage counts and the
per-project lock rows that serialize quota checks.

Usage is counted from the live rows of each resource's own table (as
Nova does since Pike) rather than tracked in quota_usages; a quota_usages
row per (project, resource) exists only to be locked.
"""

import functools

from oslo_db import exception as db_exc
import sqlalchemy as sa

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session

Quota = models.Quota
QuotaClass = models.QuotaClass
QuotaUsage = models.QuotaUsage


@session.reader
def quota_get_all_by_project(context, project_id):
    """{resource: hard_limit} of the limits set for the project."""
    rows = context.session.scalars(
        utils.model_query(context, Quota, read_deleted='no')
        .where(Quota.project_id == project_id))
    return {row.resource: row.hard_limit for row in rows}


@functools.lru_cache(maxsize=None)
def _limits_stmt():
    """The default class's limits and a project's own, in one statement:
    (1 for the class / 2 for the project, resource, hard_limit), in the
    order each source's rows are applied (the later row of a resource
    wins, as in the two separate reads)."""
    project_id = sa.bindparam('project_id')
    classes = (sa.select(sa.literal_column('1').label('source'),
                         QuotaClass.resource, QuotaClass.hard_limit,
                         QuotaClass.id)
               .where(QuotaClass.class_name == sa.bindparam('class_name'),
                      QuotaClass.deleted == 0))
    projects = (sa.select(sa.literal_column('2').label('source'),
                          Quota.resource, Quota.hard_limit, Quota.id)
                .where(Quota.project_id == project_id, Quota.deleted == 0))
    union = sa.union_all(classes, projects).subquery()
    return sa.select(union.c.source, union.c.resource,
                     union.c.hard_limit).order_by(union.c.source,
                                                  union.c.id)


@session.reader
def quota_get_class_and_project(context, class_name, project_id):
    """({resource: hard_limit} of the class, the same of the project's own
    limits), read in one statement."""
    by_source = {1: {}, 2: {}}
    for source, resource, limit in utils.rows(
            context, _limits_stmt(),
            {'class_name': class_name, 'project_id': project_id}):
        by_source[source][resource] = limit
    return by_source[1], by_source[2]


@session.retry_on_deadlock
@session.writer
def quota_create_or_update(context, project_id, resource, limit):
    row = context.session.scalars(
        utils.model_query(context, Quota, read_deleted='no')
        .where(Quota.project_id == project_id, Quota.resource == resource)
    ).first()
    if row is None:
        row = Quota(project_id=project_id, resource=resource)
    row.hard_limit = limit
    row.save(context.session)
    return {'project_id': project_id, 'resource': resource,
            'hard_limit': limit}


@session.writer
def quota_destroy_all_by_project(context, project_id):
    rows = context.session.scalars(
        utils.model_query(context, Quota, read_deleted='no')
        .where(Quota.project_id == project_id))
    for row in rows:
        row.soft_delete(context.session)


@session.reader
def quota_class_get_all_by_name(context, class_name):
    """{resource: hard_limit} of a quota class."""
    rows = context.session.scalars(
        utils.model_query(context, QuotaClass, read_deleted='no')
        .where(QuotaClass.class_name == class_name)
        .order_by(QuotaClass.id))
    return {row.resource: row.hard_limit for row in rows}


@session.retry_on_deadlock
@session.writer
def quota_class_create_or_update(context, class_name, resource, limit):
    row = context.session.scalars(
        utils.model_query(context, QuotaClass, read_deleted='no')
        .where(QuotaClass.class_name == class_name,
               QuotaClass.resource == resource)
        .order_by(QuotaClass.id)).first()
    if row is None:
        row = QuotaClass(class_name=class_name, resource=resource)
    row.hard_limit = limit
    row.save(context.session)


# Locking ------------------------------------------------------------------

def _usage_rows(context, project_id, resources, for_update=False):
    stmt = (utils.model_query(context, QuotaUsage, read_deleted='no')
            .where(QuotaUsage.project_id == project_id,
                   QuotaUsage.user_id.is_(None),
                   QuotaUsage.resource.in_(sorted(resources)))
            .order_by(QuotaUsage.resource, QuotaUsage.id))
    if for_update:
        stmt = stmt.with_for_update()
    return list(context.session.scalars(stmt))


@session.writer
def quota_usage_ensure(context, project_id, resources):
    """Make sure a lock row exists for each (project, resource).

    Run as a transaction of its own before the locking one.  Two callers
    may both insert a row for the same pair (the table has no unique
    constraint); that is harmless, because lockers lock every row of the
    pair and so always meet on the oldest one.
    """
    present = {row.resource for row in _usage_rows(context, project_id,
                                                   resources)}
    for resource in sorted(set(resources) - present):
        try:
            QuotaUsage(project_id=project_id, user_id=None,
                       resource=resource, in_use=0,
                       reserved=0).save(context.session)
        except db_exc.DBDuplicateEntry:  # pragma: no cover - no constraint
            pass


@functools.lru_cache(maxsize=None)
def _lock_stmt():
    return (sa.select(QuotaUsage.resource)
            .where(QuotaUsage.project_id == sa.bindparam('project_id'),
                   QuotaUsage.user_id.is_(None),
                   QuotaUsage.deleted == 0,
                   QuotaUsage.resource.in_(
                       sa.bindparam('resources', expanding=True)))
            .order_by(QuotaUsage.resource, QuotaUsage.id)
            .with_for_update())


def quota_usage_lock(context, project_id, resources):
    """``SELECT … FOR UPDATE`` the lock rows; call inside a writer.
    Returns the set of resources that have a lock row (the caller makes
    the missing ones with quota_usage_ensure, in a transaction of its own,
    and starts again).

    It must be the transaction's first statement: on MariaDB (REPEATABLE
    READ) the snapshot later reads see is taken at the first plain read,
    which then happens after the lock is held.  SQLite ignores FOR UPDATE;
    there BEGIN IMMEDIATE already serializes writers.
    """
    return {resource for (resource,) in utils.rows(
        context, _lock_stmt(), {'project_id': project_id,
                                'resources': sorted(resources)})}


# Counting -----------------------------------------------------------------

def _count(context, stmt):
    return int(context.session.execute(stmt).scalar() or 0)


@session.reader
def count_instances(context, project_id, user_id=None):
    """(instances, cores, ram) of the live instances of a project."""
    Instance = models.Instance
    stmt = (sa.select(sa.func.count(Instance.id),
                      sa.func.coalesce(sa.func.sum(Instance.vcpus), 0),
                      sa.func.coalesce(sa.func.sum(Instance.memory_mb), 0))
            .where(Instance.deleted == 0,
                   Instance.project_id == project_id))
    if user_id is not None:
        stmt = stmt.where(Instance.user_id == user_id)
    instances, cores, ram = context.session.execute(stmt).one()
    return int(instances), int(cores), int(ram)


@session.reader
def count_key_pairs(context, user_id):
    KeyPair = models.KeyPair
    return _count(context, sa.select(sa.func.count(KeyPair.id)).where(
        KeyPair.deleted == 0, KeyPair.user_id == user_id))


@session.reader
def count_floating_ips(context, project_id):
    FloatingIp = models.FloatingIp
    return _count(context, sa.select(sa.func.count(FloatingIp.id)).where(
        FloatingIp.deleted == 0, FloatingIp.project_id == project_id,
        sa.or_(FloatingIp.auto_assigned.is_(None),
               FloatingIp.auto_assigned == sa.false())))


@session.reader
def count_fixed_ips(context, project_id):
    FixedIp, Instance = models.FixedIp, models.Instance
    return _count(context, sa.select(sa.func.count(FixedIp.id))
                  .join(Instance, Instance.uuid == FixedIp.instance_uuid)
                  .where(FixedIp.deleted == 0, Instance.deleted == 0,
                         Instance.project_id == project_id))


@session.reader
def count_security_groups(context, project_id):
    Group = models.SecurityGroup
    return _count(context, sa.select(sa.func.count(Group.id)).where(
        Group.deleted == 0, Group.project_id == project_id))


@session.reader
def count_security_group_rules(context, project_id):
    Group = models.SecurityGroup
    Rule = models.SecurityGroupIngressRule
    return _count(context, sa.select(sa.func.count(Rule.id))
                  .join(Group, Group.id == Rule.parent_group_id)
                  .where(Rule.deleted == 0, Group.deleted == 0,
                         Group.project_id == project_id))


@session.reader
def count_volumes(context, project_id):
    """(volumes, gigabytes of volumes and snapshots) of a project."""
    Volume, Snapshot = models.Volume, models.Snapshot
    volumes, volume_gb = context.session.execute(
        sa.select(sa.func.count(Volume.id),
                  sa.func.coalesce(sa.func.sum(Volume.size), 0))
        .where(Volume.deleted == 0, Volume.project_id == project_id)).one()
    snapshot_gb = _count(context, sa.select(
        sa.func.coalesce(sa.func.sum(Snapshot.volume_size), 0))
        .where(Snapshot.deleted == 0, Snapshot.project_id == project_id))
    return int(volumes), int(volume_gb) + snapshot_gb


@session.reader
def count_snapshots(context, project_id):
    Snapshot = models.Snapshot
    return _count(context, sa.select(sa.func.count(Snapshot.id)).where(
        Snapshot.deleted == 0, Snapshot.project_id == project_id))
