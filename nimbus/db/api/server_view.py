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


@session.reader
def server_rows(context, filters, sort_keys=None, sort_dirs=None,
                limit=None, marker=None):
    """Server rows of the instances matching ``filters``, sorted and
    paged as instance_get_all_by_filters does (same filters, marker,
    MarkerNotFound), in one transaction: the instances with their info
    cache, their children (one UNION ALL), the faults of those that show
    one."""
    stmt = _with_view_columns(instance_db.filtered_page(
        context, filters, sort_keys, sort_dirs, limit, marker))
    width = len(VIEW_COLUMNS)
    rows = []
    for row in utils.rows(context, stmt):
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
