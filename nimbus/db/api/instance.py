"""Instances and what hangs off them: metadata, system metadata, the network
info cache, security group names and tags.

Instance dicts returned here carry, besides their columns, the joined
attributes asked for in ``columns_to_join``: ``metadata`` and
``system_metadata`` (dicts), ``info_cache`` (dict with ``network_info`` as a
JSON string), ``security_groups`` (list of names) and ``tags`` (list).
"""

import json
import re

from oslo_db.sqlalchemy import utils as sqlalchemyutils
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session
from nimbus import exception

Instance = models.Instance
InstanceMetadata = models.InstanceMetadata
InstanceSystemMetadata = models.InstanceSystemMetadata
InstanceInfoCache = models.InstanceInfoCache
SecurityGroup = models.SecurityGroup
SecurityGroupInstanceAssociation = models.SecurityGroupInstanceAssociation
Tag = models.Tag

JOINABLE = ('metadata', 'system_metadata', 'info_cache', 'security_groups',
            'tags')

# Filters compared for equality against a column of the same name.
_EXACT_FILTERS = ('project_id', 'user_id', 'host', 'node', 'image_ref',
                  'instance_type_id', 'reservation_id', 'vm_state',
                  'task_state', 'power_state', 'availability_zone', 'uuid',
                  'key_name', 'locked', 'launch_index')


def _instance_query(context, read_deleted=None, project_only=False):
    return utils.model_query(context, Instance, read_deleted=read_deleted,
                             project_only=project_only)


def _instance_get_row(context, instance_uuid, read_deleted=None,
                      project_only=False):
    if not uuidutils.is_uuid_like(instance_uuid):
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    row = context.session.scalars(
        _instance_query(context, read_deleted, project_only)
        .where(Instance.uuid == instance_uuid)).first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return row


def _kv_rows(context, model, uuids):
    stmt = (sa.select(model).where(model.instance_uuid.in_(uuids),
                                   model.deleted == 0))
    result = {}
    for row in context.session.scalars(stmt):
        result.setdefault(row.instance_uuid, {})[row.key] = row.value
    return result


def _join(context, rows, columns_to_join):
    """Instance rows as dicts with the requested joined attributes."""
    dicts = [row.as_dict() for row in rows]
    uuids = [d['uuid'] for d in dicts]
    if not dicts or not columns_to_join:
        return dicts
    joins = set(columns_to_join)
    if 'metadata' in joins:
        meta = _kv_rows(context, InstanceMetadata, uuids)
        for d in dicts:
            d['metadata'] = meta.get(d['uuid'], {})
    if 'system_metadata' in joins:
        meta = _kv_rows(context, InstanceSystemMetadata, uuids)
        for d in dicts:
            d['system_metadata'] = meta.get(d['uuid'], {})
    if 'info_cache' in joins:
        caches = {row.instance_uuid: row.as_dict() for row in
                  context.session.scalars(sa.select(InstanceInfoCache).where(
                      InstanceInfoCache.instance_uuid.in_(uuids)))}
        for d in dicts:
            d['info_cache'] = caches.get(d['uuid'])
    if 'security_groups' in joins:
        stmt = (sa.select(SecurityGroupInstanceAssociation.instance_uuid,
                          SecurityGroup.name)
                .join(SecurityGroup, SecurityGroup.id ==
                      SecurityGroupInstanceAssociation.security_group_id)
                .where(SecurityGroupInstanceAssociation.instance_uuid.in_(
                    uuids),
                    SecurityGroupInstanceAssociation.deleted == 0)
                .order_by(SecurityGroup.name))
        groups = {}
        for instance_uuid, name in context.session.execute(stmt):
            groups.setdefault(instance_uuid, []).append(name)
        for d in dicts:
            d['security_groups'] = groups.get(d['uuid'], [])
    if 'tags' in joins:
        tags = {}
        for row in context.session.scalars(sa.select(Tag).where(
                Tag.resource_id.in_(uuids)).order_by(Tag.tag)):
            tags.setdefault(row.resource_id, []).append(row.tag)
        for d in dicts:
            d['tags'] = tags.get(d['uuid'], [])
    return dicts


def _set_kv(context, model, instance_uuid, items, delete):
    """Set ``items`` on the instance; with ``delete``, drop other keys."""
    existing = {row.key: row for row in context.session.scalars(
        sa.select(model).where(model.instance_uuid == instance_uuid,
                               model.deleted == 0))}
    for key, value in items.items():
        row = existing.get(key)
        if row is None:
            row = model(instance_uuid=instance_uuid, key=key)
        row.value = value
        context.session.add(row)
    if delete:
        for key, row in existing.items():
            if key not in items:
                row.soft_delete(context.session)
    context.session.flush()


def _associate_security_groups(context, instance_uuid, project_id, names):
    for name in names:
        group = context.session.scalars(
            utils.model_query(context, SecurityGroup).where(
                SecurityGroup.project_id == project_id,
                SecurityGroup.name == name)).first()
        if group is None:
            if name != 'default':
                raise exception.InstanceSecurityGroupNotFound(
                    project_id=project_id, security_group_id=name)
            # With the default rules, as made anywhere else.
            from nimbus.db.api import security_group as security_group_db
            group = security_group_db.ensure_default_row(
                context, project_id, context.user_id)
        context.session.add(SecurityGroupInstanceAssociation(
            security_group_id=group.id, instance_uuid=instance_uuid))
    context.session.flush()


@session.writer
def instance_create(context, values):
    """Create an instance; returns it as a dict with every join.

    ``values`` are columns plus optional ``metadata``, ``system_metadata``
    (dicts), ``security_groups`` (names; 'default' is made on first use)
    and ``info_cache`` ({'network_info': json}).  A uuid is generated when
    none is given.
    """
    values = dict(values)
    metadata = values.pop('metadata', None) or {}
    system_metadata = values.pop('system_metadata', None) or {}
    security_groups = values.pop('security_groups', None) or []
    info_cache = values.pop('info_cache', None) or {}
    values.pop('tags', None)
    row = Instance()
    row.update(values)
    if not row.uuid:
        row.uuid = uuidutils.generate_uuid()
    row.save(context.session)
    _set_kv(context, InstanceMetadata, row.uuid, metadata, False)
    _set_kv(context, InstanceSystemMetadata, row.uuid, system_metadata,
            False)
    cache = InstanceInfoCache(instance_uuid=row.uuid,
                              network_info=info_cache.get('network_info'))
    cache.save(context.session)
    _associate_security_groups(context, row.uuid, row.project_id,
                               security_groups)
    return _join(context, [row], JOINABLE)[0]


@session.reader
def instance_get_by_uuid(context, instance_uuid, columns_to_join=None,
                         read_deleted=None):
    row = _instance_get_row(context, instance_uuid, read_deleted)
    return _join(context, [row], columns_to_join)[0]


def _regexp(column, pattern, dialect):
    if dialect == 'postgresql':
        return column.op('~')(pattern)
    # oslo.db gives SQLite a REGEXP function; MySQL has it built in.
    return column.op('REGEXP')(pattern)


@session.reader
def instance_get_all_by_filters(context, filters, sort_keys=None,
                                sort_dirs=None, limit=None, marker=None,
                                columns_to_join=None):
    """Instances matching ``filters``, sorted and paged.

    Filters: the columns in _EXACT_FILTERS (a list means any of), ``name``
    (regular expression on display_name), ``changes-since`` (updated or
    deleted since; includes deleted instances), ``deleted`` (True: only
    deleted, False: only live), ``ip`` (regular expression on any address
    in the network info cache), ``uuids``.  ``marker`` is the uuid of the
    last instance of the previous page; raises MarkerNotFound if unknown.
    """
    filters = dict(filters or {})
    sort_keys = list(sort_keys or ['created_at', 'id'])
    sort_dirs = list(sort_dirs or ['desc'] * len(sort_keys))
    if len(sort_dirs) < len(sort_keys):
        sort_dirs += [sort_dirs[-1]] * (len(sort_keys) - len(sort_dirs))
    if 'id' not in sort_keys:
        sort_keys.append('id')
        sort_dirs.append(sort_dirs[0])
    read_deleted = None
    if 'deleted' in filters:
        read_deleted = 'only' if filters.pop('deleted') else 'no'
    if filters.get('changes-since') is not None and read_deleted is None:
        read_deleted = 'yes'
    stmt = _instance_query(context, read_deleted)
    dialect = context.session.bind.dialect.name
    for key in _EXACT_FILTERS:
        if key not in filters:
            continue
        value = filters[key]
        column = getattr(Instance, key)
        if isinstance(value, (list, tuple, set)):
            values = list(value)
            clause = column.in_([v for v in values if v is not None])
            if None in values:
                clause = sa.or_(clause, column.is_(None))
            stmt = stmt.where(clause)
        elif value is None:
            stmt = stmt.where(column.is_(None))
        else:
            stmt = stmt.where(column == value)
    if filters.get('uuids') is not None:
        stmt = stmt.where(Instance.uuid.in_(list(filters['uuids'])))
    if filters.get('name'):
        stmt = stmt.where(_regexp(Instance.display_name, filters['name'],
                                  dialect))
    stmt = _filter_by_tags(stmt, filters)
    since = filters.get('changes-since')
    if since is not None:
        since = timeutils.normalize_time(since)
        stmt = stmt.where(sa.or_(Instance.updated_at >= since,
                                 Instance.deleted_at >= since,
                                 Instance.created_at >= since))
    ip = filters.get('ip')
    if ip:
        # The info cache is JSON: match in Python, before paging.
        rows = list(context.session.scalars(stmt))
        uuids = _uuids_matching_ip(context, [r.uuid for r in rows], ip)
        stmt = stmt.where(Instance.uuid.in_(uuids))
    marker_row = None
    if marker is not None:
        marker_row = context.session.scalars(
            _instance_query(context, 'yes').where(
                Instance.uuid == marker)).first()
        if marker_row is None:
            raise exception.MarkerNotFound(marker=marker)
    try:
        stmt = sqlalchemyutils.paginate_query(
            stmt, Instance, limit, sort_keys, marker=marker_row,
            sort_dirs=sort_dirs)
    except sqlalchemyutils.InvalidSortKey as error:
        raise exception.InvalidSortKey(reason=str(error))
    rows = list(context.session.scalars(stmt))
    return _join(context, rows, columns_to_join)


def _tag_list(value):
    if isinstance(value, str):
        value = value.split(',')
    return [tag for tag in value if tag]


def _filter_by_tags(stmt, filters):
    """Microversion 2.26 filters: ``tags`` (all of), ``tags-any`` (any
    of), ``not-tags`` (not all of), ``not-tags-any`` (none of); each a
    comma-separated string or a list."""
    def having(tag):
        return sa.exists().where(Tag.resource_id == Instance.uuid,
                                 Tag.tag == tag)
    if filters.get('tags'):
        stmt = stmt.where(*[having(t) for t in _tag_list(filters['tags'])])
    if filters.get('tags-any'):
        stmt = stmt.where(sa.or_(*[having(t) for t in
                                   _tag_list(filters['tags-any'])]))
    if filters.get('not-tags'):
        stmt = stmt.where(sa.not_(sa.and_(*[
            having(t) for t in _tag_list(filters['not-tags'])])))
    if filters.get('not-tags-any'):
        stmt = stmt.where(sa.not_(sa.or_(*[
            having(t) for t in _tag_list(filters['not-tags-any'])])))
    return stmt


def _uuids_matching_ip(context, uuids, pattern):
    regex = re.compile(pattern)
    matching = []
    for cache in context.session.scalars(sa.select(InstanceInfoCache).where(
            InstanceInfoCache.instance_uuid.in_(uuids))):
        try:
            network_info = json.loads(cache.network_info or '[]')
        except ValueError:
            continue
        for address in _addresses(network_info):
            if regex.match(address):
                matching.append(cache.instance_uuid)
                break
    return matching


def _addresses(network_info):
    for vif in network_info or []:
        for subnet in (vif.get('network') or {}).get('subnets') or []:
            for ip in subnet.get('ips') or []:
                yield ip.get('address') or ''
                for floating in ip.get('floating_ips') or []:
                    yield floating.get('address') or ''


@session.reader
def instance_get_all_by_host(context, host, columns_to_join=None):
    rows = context.session.scalars(_instance_query(context).where(
        Instance.host == host).order_by(Instance.id))
    return _join(context, list(rows), columns_to_join)


@session.retry_on_deadlock
@session.writer
def instance_update(context, instance_uuid, values, expected=None,
                    columns_to_join=None):
    """Update an instance; returns it as a dict.

    ``expected`` maps column names (task_state, vm_state) to a value or a
    list of acceptable values: the update happens in one UPDATE ... WHERE,
    so of two concurrent updates expecting the same state only one wins.
    The loser gets UnexpectedTaskStateError (UnexpectedDeletingTaskState
    when the instance is being deleted) or InstanceInvalidState, and
    nothing changes.  ``metadata`` and ``system_metadata`` in ``values``
    replace the whole dict.
    """
    values = dict(values)
    metadata = values.pop('metadata', None)
    system_metadata = values.pop('system_metadata', None)
    values.pop('info_cache', None)
    values.pop('security_groups', None)
    values.pop('tags', None)
    values['updated_at'] = timeutils.utcnow()
    stmt = sa.update(Instance).where(Instance.uuid == instance_uuid,
                                     Instance.deleted == 0)
    for column, allowed in (expected or {}).items():
        if not isinstance(allowed, (list, tuple, set)):
            allowed = [allowed]
        allowed = list(allowed)
        clause = getattr(Instance, column).in_(
            [a for a in allowed if a is not None])
        if None in allowed:
            clause = sa.or_(clause, getattr(Instance, column).is_(None))
        stmt = stmt.where(clause)
    result = context.session.execute(
        stmt.values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        row = _instance_get_row(context, instance_uuid)
        _raise_unexpected(row.as_dict(), expected or {})
    if metadata is not None:
        _set_kv(context, InstanceMetadata, instance_uuid, metadata, True)
    if system_metadata is not None:
        _set_kv(context, InstanceSystemMetadata, instance_uuid,
                system_metadata, True)
    row = context.session.scalars(
        sa.select(Instance).where(Instance.uuid == instance_uuid)
        .execution_options(populate_existing=True)).one()
    return _join(context, [row], columns_to_join)[0]


def _raise_unexpected(actual, expected):
    if 'task_state' in expected:
        allowed = expected['task_state']
        if not isinstance(allowed, (list, tuple, set)):
            allowed = [allowed]
        if actual['task_state'] not in allowed:
            cls = (exception.UnexpectedDeletingTaskStateError
                   if actual['task_state'] == 'deleting'
                   else exception.UnexpectedTaskStateError)
            raise cls(instance_uuid=actual['uuid'], expected=list(allowed),
                      actual=actual['task_state'])
    for column, allowed in expected.items():
        if not isinstance(allowed, (list, tuple, set)):
            allowed = [allowed]
        if actual[column] not in allowed:
            raise exception.InstanceInvalidState(
                instance_uuid=actual['uuid'], attr=column,
                state=actual[column], method='update')
    # The row changed between the UPDATE and this read: report it plainly.
    raise exception.UnexpectedTaskStateError(
        instance_uuid=actual['uuid'], expected=expected,
        actual=actual.get('task_state'))


@session.writer
def instance_destroy(context, instance_uuid, expected=None):
    """Soft-delete an instance with its metadata, info cache, security
    group associations and tags; returns the deleted instance's dict."""
    row = _instance_get_row(context, instance_uuid)
    if expected:
        actual = row.as_dict()
        for column, allowed in expected.items():
            if not isinstance(allowed, (list, tuple, set)):
                allowed = [allowed]
            if actual[column] not in allowed:
                _raise_unexpected(actual, expected)
    now = timeutils.utcnow()
    for model in (InstanceMetadata, InstanceSystemMetadata,
                  SecurityGroupInstanceAssociation):
        context.session.execute(
            sa.update(model).where(model.instance_uuid == instance_uuid,
                                   model.deleted == 0)
            .values(deleted=model.id, deleted_at=now)
            .execution_options(synchronize_session=False))
    context.session.execute(
        sa.update(InstanceInfoCache)
        .where(InstanceInfoCache.instance_uuid == instance_uuid)
        .values(deleted=InstanceInfoCache.id, deleted_at=now)
        .execution_options(synchronize_session=False))
    context.session.execute(sa.delete(Tag).where(
        Tag.resource_id == instance_uuid))
    result = _join(context, [row], ('system_metadata', 'metadata'))[0]
    row.deleted = row.id
    row.deleted_at = now
    row.terminated_at = row.terminated_at or now
    row.vm_state = 'deleted'
    row.task_state = None
    context.session.add(row)
    context.session.flush()
    result.update(row.as_dict())
    return result


@session.writer
def instance_metadata_update(context, instance_uuid, metadata, delete):
    """Set user metadata; with ``delete`` the given dict replaces it all.
    Returns the instance's whole metadata dict."""
    _instance_get_row(context, instance_uuid)
    _set_kv(context, InstanceMetadata, instance_uuid, metadata, delete)
    return _kv_rows(context, InstanceMetadata, [instance_uuid]).get(
        instance_uuid, {})


@session.writer
def instance_metadata_delete(context, instance_uuid, key):
    rows = list(context.session.scalars(sa.select(InstanceMetadata).where(
        InstanceMetadata.instance_uuid == instance_uuid,
        InstanceMetadata.key == key, InstanceMetadata.deleted == 0)))
    if not rows:
        raise exception.MetadataNotFound(instance_uuid=instance_uuid,
                                         key=key)
    for row in rows:
        row.soft_delete(context.session)


@session.reader
def instance_info_cache_get(context, instance_uuid):
    row = context.session.scalars(sa.select(InstanceInfoCache).where(
        InstanceInfoCache.instance_uuid == instance_uuid,
        InstanceInfoCache.deleted == 0)).first()
    return row.as_dict() if row is not None else None


@session.writer
def instance_info_cache_update(context, instance_uuid, network_info):
    """Store ``network_info`` (a JSON string) for the instance."""
    row = context.session.scalars(sa.select(InstanceInfoCache).where(
        InstanceInfoCache.instance_uuid == instance_uuid)).first()
    if row is None:
        row = InstanceInfoCache(instance_uuid=instance_uuid)
    row.network_info = network_info
    context.session.add(row)
    context.session.flush()
    return row.as_dict()


@session.writer
def instance_tag_set(context, instance_uuid, tags):
    _instance_get_row(context, instance_uuid)
    context.session.execute(sa.delete(Tag).where(
        Tag.resource_id == instance_uuid))
    for tag in sorted(set(tags)):
        context.session.add(Tag(resource_id=instance_uuid, tag=tag))
    context.session.flush()
    return sorted(set(tags))
