"""Instances and what hangs off them: metadata, system metadata, the network
info cache, security group names and tags.

Instance dicts returned here carry, besides their columns, the joined
attributes asked for in ``columns_to_join``: ``metadata`` and
``system_metadata`` (dicts), ``info_cache`` (dict with ``network_info`` as a
JSON string), ``security_groups`` (list of names) and ``tags`` (list).
"""

import functools
import ipaddress
import json
import re

from oslo_db.sqlalchemy import utils as sqlalchemyutils
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from nimbus.db.api import instance_action as action_db
from nimbus.db.api import instance_fault as fault_db
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
# Also accepted by the readers' ``columns_to_join``: the newest fault.
READ_JOINABLE = JOINABLE + ('fault',)

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
    stmt = (sa.select(model.instance_uuid, model.key, model.value)
            .where(model.instance_uuid.in_(uuids), model.deleted == 0))
    result = {}
    for instance_uuid, key, value in context.session.execute(stmt):
        result.setdefault(instance_uuid, {})[key] = value
    return result


@functools.lru_cache(maxsize=None)
def _columns(model):
    """(keys, column attributes) of ``model``: read with Core selects, so
    that a page of 1,000 instances builds no ORM objects."""
    attrs = sa.inspect(model).mapper.column_attrs
    return (tuple(attr.key for attr in attrs),
            tuple(getattr(model, attr.key) for attr in attrs))


def _instance_dicts(context, stmt, with_info_cache, params=None,
                    prepared=False):
    """Run ``stmt`` (a select of Instance, filtered and ordered) for
    column values only; with ``with_info_cache`` the info cache comes in
    the same statement (an outer join: at most one per instance).
    ``prepared``: ``stmt`` already went through _columns_only."""
    keys, _ = _columns(Instance)
    cache_keys, _ = _columns(InstanceInfoCache)
    if not prepared:
        stmt = _columns_only(stmt, with_info_cache)
    width = len(keys)
    cache_id = width + cache_keys.index('id')
    dicts = []
    for row in utils.rows(context, stmt, params):
        d = dict(zip(keys, row))
        if with_info_cache:
            d['info_cache'] = (dict(zip(cache_keys, row[width:]))
                               if row[cache_id] is not None else None)
        dicts.append(d)
    return dicts


def _columns_only(stmt, with_info_cache):
    """``stmt`` (a select of Instance) reading columns, and with
    ``with_info_cache`` the info cache too, instead of ORM objects."""
    _, columns = _columns(Instance)
    _, cache_columns = _columns(InstanceInfoCache)
    stmt = stmt.with_only_columns(*columns)
    if with_info_cache:
        stmt = stmt.outerjoin(
            InstanceInfoCache,
            InstanceInfoCache.instance_uuid == Instance.uuid).add_columns(
                *cache_columns)
    return stmt


def _children(context, uuids, joins, deleted_uuids=(), sysmeta_keys=None):
    """{(uuid, kind): [(key, value)]} of metadata, system_metadata,
    security group names and tags, in one UNION ALL statement; for the
    instances in ``deleted_uuids`` (soft-deleted ones), the children
    deleted with the instance (same deleted_at), in the same statement
    (a changes-since list shows deleted servers in every other
    request)."""
    result = {}
    if not uuids:
        return result
    stmt = _children_stmt(frozenset(joins) & _CHILDREN,
                          bool(deleted_uuids), sysmeta_keys)
    if stmt is None:
        return result
    for instance_uuid, name, key, value in utils.rows(
            context, stmt, {'uuids': list(uuids)}):
        result.setdefault((instance_uuid, name), []).append((key, value))
    return result


_CHILDREN = frozenset(('metadata', 'system_metadata', 'security_groups',
                       'tags'))


@functools.lru_cache(maxsize=None)
def _children_stmt(joins, deleted=False, sysmeta_keys=None):
    """The statement of _children, made once per set of joins: building
    a four-part UNION costs more than running it.  ``deleted``: also the
    rows soft-deleted together with their (soft-deleted)
    instance, so that a deleted server still shows its flavor, metadata
    and groups.
    ``sysmeta_keys``: read only these system_metadata keys (a tuple)."""
    uuids = sa.bindparam('uuids', expanding=True)

    def alive(model):
        if not deleted:
            return model.deleted == 0
        return sa.or_(model.deleted == 0, sa.exists().where(
            Instance.uuid == model.instance_uuid, Instance.deleted != 0,
            model.deleted != 0, model.deleted_at == Instance.deleted_at))

    def kind(name):
        return sa.literal(name, sa.String(16))
    parts = []
    none = sa.cast(sa.null(), sa.String(255))
    for name, model in (('metadata', InstanceMetadata),
                        ('system_metadata', InstanceSystemMetadata)):
        if name in joins:
            part = (sa.select(model.instance_uuid, kind(name), model.key,
                              model.value)
                    .where(model.instance_uuid.in_(uuids), alive(model)))
            if name == 'system_metadata' and sysmeta_keys is not None:
                part = part.where(model.key.in_(sysmeta_keys))
            parts.append(part)
    if 'security_groups' in joins:
        assoc = SecurityGroupInstanceAssociation
        parts.append(
            sa.select(assoc.instance_uuid, kind('security_groups'),
                      SecurityGroup.name, none)
            .join(SecurityGroup, SecurityGroup.id == assoc.security_group_id)
            .where(assoc.instance_uuid.in_(uuids), alive(assoc)))
    if 'tags' in joins:
        parts.append(sa.select(Tag.resource_id, kind('tags'), Tag.tag, none)
                     .where(Tag.resource_id.in_(uuids)))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else sa.union_all(*parts)


def _join(context, dicts, columns_to_join):
    """Add the requested joined attributes to instance dicts (ORM rows
    are turned into dicts first); 'fault' adds the newest fault (a dict,
    or None).  Everything is read in the caller's transaction: one
    statement for the key/value children, one for the faults."""
    dicts = [d if isinstance(d, dict) else d.as_dict() for d in dicts]
    uuids = [d['uuid'] for d in dicts]
    if not dicts or not columns_to_join:
        return dicts
    joins = set(columns_to_join)
    if 'info_cache' in joins and any('info_cache' not in d for d in dicts):
        caches = {row.instance_uuid: row.as_dict() for row in
                  context.session.scalars(sa.select(InstanceInfoCache).where(
                      InstanceInfoCache.instance_uuid.in_(uuids)))}
        for d in dicts:
            d['info_cache'] = caches.get(d['uuid'])
    children = _children(context, uuids, joins,
                         [d['uuid'] for d in dicts if d.get('deleted')])
    for d in dicts:
        uuid = d['uuid']
        for name in ('metadata', 'system_metadata'):
            if name in joins:
                d[name] = dict(children.get((uuid, name), ()))
        for name in ('security_groups', 'tags'):
            if name in joins:
                d[name] = sorted(key for key, _ in
                                 children.get((uuid, name), ()))
    if 'fault' in joins:
        faults = fault_db.instance_fault_get_by_instance_uuids(
            context, uuids, latest=True)
        for d in dicts:
            found = faults.get(d['uuid'])
            d['fault'] = found[0] if found else None
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
        group_id = utils.rows(context, _group_id_query(), {
            'project_id': project_id, 'name': name}).scalar()
        if group_id is None:
            if name != 'default':
                raise exception.InstanceSecurityGroupNotFound(
                    project_id=project_id, security_group_id=name)
            # With the default rules, as made anywhere else.
            from nimbus.db.api import security_group as security_group_db
            group_id = security_group_db.ensure_default_row(
                context, project_id, context.user_id).id
        utils.insert_row(context, SecurityGroupInstanceAssociation, {
            'security_group_id': group_id, 'instance_uuid': instance_uuid})


@utils.prebuilt
def _group_id_query():
    return sa.select(SecurityGroup.id).where(
        SecurityGroup.project_id == sa.bindparam('project_id'),
        SecurityGroup.name == sa.bindparam('name'),
        SecurityGroup.deleted == 0)


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
    if not values.get('uuid'):
        values['uuid'] = uuidutils.generate_uuid()
    # Core INSERTs (utils.insert_row): the ORM's flushes cost more than
    # the statements.
    result = utils.insert_row(context, Instance, values)
    uuid = result['uuid']
    # A new instance has no items yet: one multi-row INSERT per table.
    for model, items in ((InstanceMetadata, metadata),
                         (InstanceSystemMetadata, system_metadata)):
        if items:
            context.session.execute(sa.insert(model.__table__), [
                {'instance_uuid': uuid, 'key': key, 'value': value}
                for key, value in items.items()])
    cache = utils.insert_row(context, InstanceInfoCache, {
        'instance_uuid': uuid,
        'network_info': info_cache.get('network_info')})
    _associate_security_groups(context, uuid, result['project_id'],
                               security_groups)
    # What was just written; reading it back would only repeat it.
    result.update(metadata=dict(metadata),
                  system_metadata=dict(system_metadata),
                  info_cache=cache,
                  security_groups=sorted(security_groups), tags=[])
    return result


@functools.lru_cache(maxsize=None)
def _by_uuid_stmt(read_deleted, with_info_cache):
    """The statement of instance_get_by_uuid, made once: the hot read of
    the API (every GET, every action) need not rebuild 50 columns."""
    return _columns_only(_instance_query(None, read_deleted).where(
        Instance.uuid == sa.bindparam('uuid')), with_info_cache)


@session.reader
def instance_get_by_uuid(context, instance_uuid, columns_to_join=None,
                         read_deleted=None):
    """The instance as a dict with ``columns_to_join`` (JOINABLE, and
    'fault': the newest fault or None), read in one transaction."""
    if not uuidutils.is_uuid_like(instance_uuid):
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    joins = columns_to_join or ()
    if read_deleted is None:
        read_deleted = getattr(context, 'read_deleted', 'no')
    with_info_cache = 'info_cache' in joins
    found = _instance_dicts(context,
                            _by_uuid_stmt(read_deleted, with_info_cache),
                            with_info_cache, {'uuid': instance_uuid},
                            prepared=True)
    if not found:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return _join(context, found, joins)[0]


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
    stmt = filtered_page(context, filters, sort_keys, sort_dirs, limit,
                         marker)
    joins = columns_to_join or ()
    return _join(context, _instance_dicts(context, stmt,
                                          'info_cache' in joins), joins)


def filtered_page(context, filters, sort_keys=None, sort_dirs=None,
                  limit=None, marker=None):
    """The select of Instance of instance_get_all_by_filters: filtered,
    sorted and paged."""
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
    ip, ip6 = filters.get('ip'), filters.get('ip6')
    if ip or ip6:
        # The info cache is JSON: match in Python, before paging.
        rows = list(context.session.scalars(stmt))
        uuids = _uuids_matching_ip(context, [r.uuid for r in rows], ip, ip6)
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
    return stmt


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


def _uuids_matching_ip(context, uuids, ip, ip6):
    """The instances one of whose fixed addresses matches, from its
    start, the regular expression ``ip`` (IPv4) or ``ip6`` (IPv6), as
    Nova's filters do; floating addresses are not matched."""
    regexes = {4: re.compile(ip) if ip else None,
               6: re.compile(ip6) if ip6 else None}
    matching = []
    for cache in context.session.scalars(sa.select(InstanceInfoCache).where(
            InstanceInfoCache.instance_uuid.in_(uuids))):
        try:
            network_info = json.loads(cache.network_info or '[]')
        except ValueError:
            continue
        for address in _fixed_addresses(network_info):
            try:
                version = ipaddress.ip_address(address).version
            except ValueError:
                continue
            regex = regexes[version]
            if regex is not None and regex.match(address):
                matching.append(cache.instance_uuid)
                break
    return matching


def _fixed_addresses(network_info):
    for vif in network_info or []:
        for subnet in (vif.get('network') or {}).get('subnets') or []:
            for ip in subnet.get('ips') or []:
                yield ip.get('address') or ''


@session.reader
def instance_get_all_by_host(context, host, columns_to_join=None):
    joins = columns_to_join or ()
    stmt = _instance_query(context).where(Instance.host == host).order_by(
        Instance.id)
    return _join(context, _instance_dicts(context, stmt,
                                          'info_cache' in joins), joins)


@session.retry_on_deadlock
@session.writer
def instance_update(context, instance_uuid, values, expected=None,
                    network_info=None, event=None):
    """Update an instance in one UPDATE; returns the values written (with
    the new updated_at).

    ``expected`` maps column names (task_state, vm_state) to a value or a
    list of acceptable values: the update happens in one UPDATE ... WHERE,
    so of two concurrent updates expecting the same state only one wins.
    The loser gets UnexpectedTaskStateError (UnexpectedDeletingTaskState
    when the instance is being deleted) or InstanceInvalidState, and
    nothing changes.  ``metadata`` and ``system_metadata`` in ``values``
    replace the whole dict; ``network_info`` (a JSON string) the info
    cache's, in the same transaction.  The row is not read back: the
    caller holds the rest of it already (a conductor call per compute save
    would otherwise read the instance and all its children again).  ``event``:
    see _record_event.
    """
    values = dict(values)
    metadata = values.pop('metadata', None)
    system_metadata = values.pop('system_metadata', None)
    for name in ('info_cache', 'security_groups', 'tags'):
        values.pop(name, None)
    values['updated_at'] = timeutils.utcnow()
    _update_one(context, instance_uuid, values, expected)
    if metadata is not None:
        _set_kv(context, InstanceMetadata, instance_uuid, metadata, True)
        values['metadata'] = dict(metadata)
    if system_metadata is not None:
        _set_kv(context, InstanceSystemMetadata, instance_uuid,
                system_metadata, True)
        values['system_metadata'] = dict(system_metadata)
    if network_info is not None:
        # One upsert, not the ORM's read and flush.
        instance_info_cache_set(context, instance_uuid, network_info)
    _record_event(context, instance_uuid, event)
    return values


def _record_event(context, instance_uuid, event):
    """Record ``event`` (the values of action_event_record but the
    instance and request: an instance action event, and maybe the
    action's finish, that end with this write) in the write's own
    transaction: one conductor call for both, and whoever reads the new
    state reads the finished event too.  An action that cannot be found
    records nothing and fails nothing."""
    if not event:
        return
    values = dict(event, instance_uuid=instance_uuid,
                  request_id=context.request_id)
    action_db.event_record_in_transaction(context, values)


def _update_one(context, instance_uuid, values, expected, destroy=False):
    """UPDATE the live instance if its columns hold what ``expected``
    allows; else raise what _raise_unexpected says (or InstanceNotFound).
    """
    # Core on the session's connection, and a statement built once per
    # shape (the columns set, the states expected): building and keying
    # a new one cost more than running it (one per conductor save).
    params = {'_uuid': instance_uuid}
    shape = []
    for column, allowed in sorted((expected or {}).items()):
        if not isinstance(allowed, (list, tuple, set)):
            allowed = [allowed]
        allowed = list(allowed)
        given = [a for a in allowed if a is not None]
        for index, value in enumerate(given):
            params['_x_%s_%d' % (column, index)] = value
        shape.append((column, len(given), None in allowed))
    for column, value in values.items():
        params['_v_' + column] = value
    stmt = _update_statement(tuple(sorted(values)), tuple(shape), destroy)
    result = context.session.connection().execute(stmt, params)
    if result.rowcount != 1:
        row = _instance_get_row(context, instance_uuid)
        _raise_unexpected(row.as_dict(), expected or {})


@functools.lru_cache(maxsize=512)
def _update_statement(columns, shape, destroy=False):
    """UPDATE instances SET <columns> WHERE uuid, live, and each
    (column, how many values, or NULL) of ``shape``; parameters
    ``_uuid``, ``_v_<column>``, ``_x_<column>_<i>``.  ``destroy`` also
    sets deleted to the id and terminated_at where it is NULL (to
    ``_v_deleted_at``)."""
    table = Instance.__table__
    stmt = sa.update(table).where(table.c.uuid == sa.bindparam('_uuid'),
                                  table.c.deleted == 0)
    for column, count, or_null in shape:
        clauses = []
        if count:
            clauses.append(table.c[column].in_(
                [sa.bindparam('_x_%s_%d' % (column, index))
                 for index in range(count)]))
        if or_null:
            clauses.append(table.c[column].is_(None))
        stmt = stmt.where(sa.or_(*clauses) if clauses else sa.false())
    values = {column: sa.bindparam('_v_' + column) for column in columns}
    if destroy:
        values['deleted'] = table.c.id
        values['terminated_at'] = sa.func.coalesce(
            table.c.terminated_at,
            sa.bindparam('_v_deleted_at', type_=table.c.terminated_at.type))
    return stmt.values(values)


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
def instance_destroy(context, instance_uuid, expected=None, event=None):
    """Soft-delete an instance with its metadata, info cache, security
    group associations, block device mappings and tags, in one UPDATE per
    table; returns the instance columns written (terminated_at only
    where it was not set before).  ``event``: see _record_event."""
    now = timeutils.utcnow()
    if not uuidutils.is_uuid_like(instance_uuid):
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    _update_one(context, instance_uuid, {
        'deleted_at': now, 'updated_at': now, 'vm_state': 'deleted',
        'task_state': None}, expected, destroy=True)
    conn = context.session.connection()
    params = {'_uuid': instance_uuid, '_now': now}
    for stmt in _destroy_children():
        conn.execute(stmt, params)
    _record_event(context, instance_uuid, event)
    return {'deleted': True, 'deleted_at': now, 'updated_at': now,
            'terminated_at': now, 'vm_state': 'deleted', 'task_state': None}


@utils.prebuilt
def _destroy_children():
    """The soft-deletes of an instance's children (parameters _uuid,
    _now) and the delete of its tags."""
    statements = []
    for model in (InstanceMetadata, InstanceSystemMetadata,
                  SecurityGroupInstanceAssociation,
                  models.BlockDeviceMapping, InstanceInfoCache):
        child = model.__table__
        stmt = sa.update(child).where(
            child.c.instance_uuid == sa.bindparam('_uuid'))
        if model is not InstanceInfoCache:
            stmt = stmt.where(child.c.deleted == 0)
        statements.append(stmt.values(deleted=child.c.id,
                                      deleted_at=sa.bindparam('_now')))
    statements.append(sa.delete(Tag.__table__).where(
        Tag.__table__.c.resource_id == sa.bindparam('_uuid')))
    return tuple(statements)


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
    return _info_cache_set(context, instance_uuid, network_info)


def _info_cache_set(context, instance_uuid, network_info):
    row = context.session.scalars(sa.select(InstanceInfoCache).where(
        InstanceInfoCache.instance_uuid == instance_uuid)).first()
    if row is None:
        row = InstanceInfoCache(instance_uuid=instance_uuid)
    row.network_info = network_info
    context.session.add(row)
    context.session.flush()
    return row.as_dict()


@session.writer
def instance_info_cache_set(context, instance_uuid, network_info):
    """Store ``network_info`` (a JSON string) for the instance, as
    ``instance_info_cache_update`` does, in one statement (an upsert on
    the unique instance_uuid); returns nothing."""
    stmt = _info_cache_upsert(context.session.get_bind().dialect.name)
    if stmt is None:
        instance_info_cache_update(context, instance_uuid, network_info)
        return
    utils.execute(context, stmt, {'uuid': instance_uuid,
                                  'info': network_info,
                                  'now': timeutils.utcnow()})


@functools.cache
def _info_cache_upsert(dialect):
    values = {'instance_uuid': sa.bindparam('uuid'),
              'network_info': sa.bindparam('info'),
              'created_at': sa.bindparam('now'), 'deleted': 0}
    changed = {'network_info': sa.bindparam('info'),
               'updated_at': sa.bindparam('now')}
    if dialect in ('mysql', 'mariadb'):
        return (mysql.insert(InstanceInfoCache).values(values)
                .on_duplicate_key_update(changed))
    if dialect in ('sqlite', 'postgresql'):
        insert = sqlite.insert if dialect == 'sqlite' else postgresql.insert
        return insert(InstanceInfoCache).values(values).on_conflict_do_update(
            index_elements=[InstanceInfoCache.instance_uuid], set_=changed)
    return None


@session.writer
def instance_tag_set(context, instance_uuid, tags):
    _instance_get_row(context, instance_uuid)
    context.session.execute(sa.delete(Tag).where(
        Tag.resource_id == instance_uuid))
    for tag in sorted(set(tags)):
        context.session.add(Tag(resource_id=instance_uuid, tag=tag))
    context.session.flush()
    return sorted(set(tags))
