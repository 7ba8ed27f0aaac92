"""/os-server-groups: a project's server groups.  A group has one policy
(affinity, anti-affinity; from 2.15 also soft-affinity and
soft-anti-affinity); servers join it at create time with the scheduler
hint ``group``, and the scheduler places them by it."""

from oslo_utils import uuidutils
import webob.exc

from nimbus.api.openstack import common
from nimbus.api.openstack.compute.schemas import server_groups as schema
from nimbus.api.openstack import validation
from nimbus.api.openstack import wsgi
from nimbus.db.api import server_group as server_group_db
from nimbus import exception
from nimbus import policy
from nimbus import quota

_P = 'os_compute_api:os-server-groups:'


def _view(req, group):
    view = {'id': group['uuid'], 'name': group['name'],
            'policies': [group['policy']], 'members': group['members'],
            'metadata': {}}
    if req.api_version.matches('2.13'):
        view['project_id'] = group['project_id']
        view['user_id'] = group['user_id']
    return view


def _offset(req):
    try:
        offset = int(req.GET.get('offset') or 0)
    except ValueError:
        offset = -1
    if offset < 0:
        raise webob.exc.HTTPBadRequest(
            explanation='offset param must be an integer >= 0')
    return offset


def _project(req):
    """None (every project) for an administrator asking all_projects."""
    if req.context.is_admin and 'all_projects' in req.GET:
        return None
    return req.context.project_id


def index(req):
    policy.authorize(req.context, _P + 'index',
                     {'project_id': req.context.project_id})
    limit, _ = common.limit_and_marker(req)
    groups = server_group_db.group_get_all(
        req.context, project_id=_project(req), limit=limit,
        offset=_offset(req))
    return {'server_groups': [_view(req, g) for g in groups]}


def _get(req, group_id):
    project_id = None if req.context.is_admin else req.context.project_id
    try:
        return server_group_db.group_get(req.context, group_id, project_id)
    except exception.InstanceGroupNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())


def show(req, group_id):
    group = _get(req, group_id)
    policy.authorize(req.context, _P + 'show',
                     {'project_id': group['project_id']})
    return {'server_group': _view(req, group)}


@validation.schema(schema.create, max_version='2.14')
@validation.schema(schema.create_v215, min_version='2.15')
def create(req, body):
    context = req.context
    policy.authorize(context, _P + 'create',
                     {'project_id': context.project_id,
                      'user_id': context.user_id})
    spec = body['server_group']
    values = {'uuid': uuidutils.generate_uuid(), 'name': spec['name'],
              'policy': spec['policies'][0],
              'project_id': context.project_id, 'user_id': context.user_id}
    try:
        group = quota.QUOTAS.check_deltas_and_run(
            context, context.project_id, context.user_id,
            {'server_groups': 1},
            lambda ctx: server_group_db.group_create(ctx, values))
    except exception.OverQuota:
        raise webob.exc.HTTPForbidden(
            explanation='Quota exceeded, too many server groups.')
    return {'server_group': _view(req, group)}


def delete(req, group_id):
    group = _get(req, group_id)
    policy.authorize(req.context, _P + 'delete',
                     {'project_id': group['project_id']})
    try:
        server_group_db.group_delete(req.context, group_id)
    except exception.InstanceGroupNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    return wsgi.json_response(None, status=204)
