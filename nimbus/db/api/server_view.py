"""What the Compute API shows of instances, read for GET /servers/{id} and
the /servers lists as plain rows: only the columns and children a server
document shows, no Instance objects built.

A *server row* is a dict with the columns in VIEW_COLUMNS and:

- ``metadata``: dict of the user metadata;
- ``flavorid``: the flavor's flavorid (str) from system metadata, or None;
- ``network_info``: the info cache's network info (a list, parsed;
  shared between rows and requests, never to be changed);
- ``security_groups``, ``tags``: sorted lists of names;
- ``fault``: the newest fault (dict with code, message, details,
  created_at) when the instance's vm_state can show one (error,
  deleted), else None.

``nimbus.objects.instance.Instance.server_row`` makes the same dict from
an Instance object; ``nimbus/api/openstack/compute/server_views.py`` shows
either.
"""

import functools
import json

from oslo_utils import timeutils
import sqlalchemy as sa

from nimbus.db.api import instance as instance_db
from nimbus.db.api import instance_fault as fault_db
from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session

Instance = models.Instance
InstanceInfoCache = models.InstanceInfoCache

VIEW_COLUMNS = (
    'id', 'uuid', 'display_name', 'display_description', 'project_id',
    'user_id', 'host', 'node', 'hostname', 'image_ref', 'kernel_id',
    'ramdisk_id', 'root_device_name', 'user_data', 'key_name', 'vm_state',
    'task_state', 'power_state', 'progress', 'locked', 'config_drive',
    'availability_zone', 'reservation_id', 'launch_index', 'access_ip_v4',
    'access_ip_v6', 'created_at', 'updated_at', 'launched_at',
    'terminated_at', 'deleted')

# The flavor is kept in system metadata; the view shows only its flavorid.
FLAVORID_KEY = 'instance_type_flavorid'
_JOINS = frozenset(('metadata', 'system_metadata', 'security_groups',
                    'tags'))
# The vm_states whose status (ERROR, DELETED) shows the fault.
FAULT_VM_STATES = ('error', 'deleted')


@functools.lru_cache(maxsize=None)
def _columns():
    return [getattr(Instance, key) for key in VIEW_COLUMNS] + [
        InstanceInfoCache.network_info]


def _with_view_columns(stmt):
    return stmt.with_only_columns(*_columns()).outerjoin(
        InstanceInfoCache, InstanceInfoCache.instance_uuid == Instance.uuid)


@functools.lru_cache(maxsize=4096)
def _loads(value):
    """The parsed network info.  Cached by its JSON text: the lists that
    clients poll show the same servers again and again, and parsing was
    a tenth of a page's cost.  The result is shared: read it only."""
    if not value:
        return []
    try:
        return json.loads(value)
    except ValueError:
        return []


def _project_list(context, filters, sort_keys, sort_dirs, limit, marker):
    """(statement, parameters) of the lists clients poll most -- a
    project's servers (or everyone's), maybe only those changed since a
    time, first page, default order -- from a statement built once per
    shape (filtered_page builds and keys a new one each time); (None,
    None) for any other list."""
    if marker is not None or sort_keys or sort_dirs:
        return None, None
    if not set(filters) <= {'project_id', 'changes-since'}:
        return None, None
    project_id = filters.get('project_id')
    since = filters.get('changes-since')
    if project_id is not None and not isinstance(project_id, str):
        return None, None
    # As filtered_page: changes-since shows deleted servers too.
    read_deleted = ('yes' if since is not None else
                    getattr(context, 'read_deleted', None) or 'no')
    params = {}
    if project_id is not None:
        params['project_id'] = project_id
    if since is not None:
        params['since'] = timeutils.normalize_time(since)
    if limit is not None:
        params['limit'] = limit
    return _project_list_stmt(project_id is not None, since is not None,
                              limit is not None, read_deleted), params


@functools.lru_cache(maxsize=None)
def _project_list_stmt(by_project, since, limited, read_deleted):
    stmt = utils.model_query(None, Instance, read_deleted=read_deleted)
    if by_project:
        stmt = stmt.where(Instance.project_id == sa.bindparam('project_id'))
    if since:
        after = sa.bindparam('since', type_=Instance.updated_at.type)
        stmt = stmt.where(sa.or_(Instance.updated_at >= after,
                                 Instance.deleted_at >= after,
                                 Instance.created_at >= after))
    stmt = stmt.order_by(Instance.created_at.desc(), Instance.id.desc())
    if limited:
        stmt = stmt.limit(sa.bindparam('limit', type_=sa.Integer))
    return _with_view_columns(stmt)


@session.reader
def server_rows(context, filters, sort_keys=None, sort_dirs=None,
                limit=None, marker=None):
    """Server rows of the instances matching ``filters``, sorted and
    paged as instance_get_all_by_filters does (same filters, marker,
    MarkerNotFound), in one transaction: the instances with their info
    cache, their children (one UNION ALL), the faults of those that show
    one."""
    stmt, params = _project_list(context, filters, sort_keys, sort_dirs,
                                 limit, marker)
    if stmt is None:
        stmt = _with_view_columns(instance_db.filtered_page(
            context, filters, sort_keys, sort_dirs, limit, marker))
    width = len(VIEW_COLUMNS)
    rows = []
    for row in utils.rows(context, stmt, params):
        d = dict(zip(VIEW_COLUMNS, row))
        d['network_info'] = _loads(row[width])
        rows.append(d)
    if not rows:
        return rows
    uuids = [d['uuid'] for d in rows]
    children = instance_db._children(
        context, uuids, _JOINS, [d['uuid'] for d in rows if d['deleted']],
        sysmeta_keys=(FLAVORID_KEY,))
    shows_fault = [d['uuid'] for d in rows
                   if d['vm_state'] in FAULT_VM_STATES]
    faults = (fault_db.instance_fault_get_by_instance_uuids(
        context, shows_fault, latest=True) if shows_fault else {})
    for d in rows:
        uuid = d['uuid']
        d['metadata'] = dict(children.get((uuid, 'metadata'), ()))
        d['flavorid'] = dict(children.get((uuid, 'system_metadata'),
                                          ())).get(FLAVORID_KEY)
        d['security_groups'] = sorted(
            key for key, _ in children.get((uuid, 'security_groups'), ()))
        d['tags'] = sorted(key for key, _ in children.get((uuid, 'tags'),
                                                          ()))
        found = faults.get(uuid)
        d['fault'] = found[0] if found else None
    return rows
