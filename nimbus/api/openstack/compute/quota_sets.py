"""/os-quota-sets, /os-quota-class-sets and /limits: a project's limits,
the defaults, and what the project uses.

From 2.36 the nova-network resources (fixed_ips, floating_ips,
security_groups, security_group_rules) are no longer shown or settable
here, as in Nova; nimbus still enforces them.
"""

from oslo_utils import strutils
import webob.exc

from nimbus.api.openstack.compute.schemas import quotas as schema
from nimbus.api.openstack import validation
from nimbus.api.openstack import wsgi
from nimbus import exception
from nimbus import policy
from nimbus import quota

_P = 'os_compute_api:'
QUOTAS = quota.QUOTAS
_MAX_INT = 2147483647


def _resources(req):
    if req.api_version.matches('2.36'):
        return [r for r in schema.API_RESOURCES
                if r not in schema.NETWORK_RESOURCES]
    return list(schema.API_RESOURCES)


def _authorize(req, action, project_id):
    policy.authorize(req.context, _P + 'os-quota-sets:' + action,
                     {'project_id': project_id})


def _limits_view(req, limits, id_=None, resources=None):
    view = {name: limits[name] for name in resources or _resources(req)}
    if id_ is not None:
        view['id'] = id_
    return view


def show(req, tenant_id):
    _authorize(req, 'show', tenant_id)
    limits = QUOTAS.get_limits(req.context, tenant_id)
    return {'quota_set': _limits_view(req, limits, tenant_id)}


def detail(req, tenant_id):
    _authorize(req, 'detail', tenant_id)
    quotas = QUOTAS.get_project_quotas(req.context, tenant_id,
                                       user_id=req.context.user_id)
    view = {name: quotas[name] for name in _resources(req)}
    view['id'] = tenant_id
    return {'quota_set': view}


def defaults(req, tenant_id):
    _authorize(req, 'defaults', tenant_id)
    return {'quota_set': _limits_view(req, QUOTAS.get_defaults(req.context),
                                      tenant_id)}


def _limit_values(values, resources):
    """{resource: int} from a validated body; 400 for values below -1."""
    limits = {}
    for name, value in values.items():
        if name == 'force':
            continue
        if name not in resources:
            raise webob.exc.HTTPBadRequest(
                explanation='Additional properties are not allowed '
                            '(%r was unexpected)' % name)
        limit = int(value)
        if not -1 <= limit <= _MAX_INT:
            raise webob.exc.HTTPBadRequest(
                explanation='Quota limit %s for %s must be between -1 and '
                            '%d.' % (value, name, _MAX_INT))
        limits[name] = limit
    return limits


@validation.schema(schema.update, max_version='2.35')
@validation.schema(schema.update_v236, min_version='2.36')
def update(req, tenant_id, body):
    _authorize(req, 'update', tenant_id)
    context = req.context
    values = body['quota_set']
    force = strutils.bool_from_string(values.get('force', False))
    limits = _limit_values(values, _resources(req))
    if not force and limits:
        usage = QUOTAS.get_project_quotas(context, tenant_id,
                                          user_id=context.user_id)
        for name, limit in limits.items():
            minimum = usage[name]['in_use'] + usage[name]['reserved']
            if limit != -1 and limit < minimum:
                raise webob.exc.HTTPBadRequest(
                    explanation=exception.InvalidQuotaValue(
                        limit=limit, resource=name,
                        minimum=minimum).format_message())
    for name, limit in limits.items():
        QUOTAS.update_project_quota(context, tenant_id, name, limit)
    return {'quota_set': _limits_view(
        req, QUOTAS.get_limits(context, tenant_id))}


@wsgi.response(202)
def delete(req, tenant_id):
    _authorize(req, 'delete', tenant_id)
    QUOTAS.destroy_all_by_project(req.context, tenant_id)


# Quota classes -------------------------------------------------------------
# Nova changed these only at 2.50: below it every resource is shown.

def class_show(req, class_name):
    policy.authorize(req.context, _P + 'os-quota-class-sets:show',
                     {'quota_class': class_name})
    return {'quota_class_set': _limits_view(
        req, QUOTAS.get_class_quotas(req.context, class_name), class_name,
        schema.API_RESOURCES)}


@validation.schema(schema.class_update)
def class_update(req, class_name, body):
    policy.authorize(req.context, _P + 'os-quota-class-sets:update',
                     {'quota_class': class_name})
    limits = _limit_values(body['quota_class_set'], schema.API_RESOURCES)
    for name, limit in limits.items():
        QUOTAS.update_class_quota(req.context, class_name, name, limit)
    return {'quota_class_set': _limits_view(
        req, QUOTAS.get_class_quotas(req.context, class_name),
        resources=schema.API_RESOURCES)}


# Limits --------------------------------------------------------------------

_ABSOLUTE = (
    ('maxServerMeta', 'metadata_items'),
    ('maxImageMeta', 'metadata_items'),
    ('maxPersonality', 'injected_files'),
    ('maxPersonalitySize', 'injected_file_content_bytes'),
    ('maxSecurityGroupRules', 'security_group_rules'),
    ('maxSecurityGroups', 'security_groups'),
    ('maxTotalCores', 'cores'),
    ('maxTotalFloatingIps', 'floating_ips'),
    ('maxTotalInstances', 'instances'),
    ('maxTotalKeypairs', 'key_pairs'),
    ('maxTotalRAMSize', 'ram'),
    ('maxServerGroups', 'server_groups'),
    ('maxServerGroupMembers', 'server_group_members'),
)

_USED = (
    ('totalCoresUsed', 'cores'),
    ('totalInstancesUsed', 'instances'),
    ('totalRAMUsed', 'ram'),
    ('totalFloatingIpsUsed', 'floating_ips'),
    ('totalSecurityGroupsUsed', 'security_groups'),
    ('totalServerGroupsUsed', 'server_groups'),
)


def limits(req):
    context = req.context
    policy.authorize(context, _P + 'limits', {})
    project_id = req.GET.get('tenant_id') or context.project_id
    if project_id != context.project_id:
        policy.authorize(context, _P + 'limits:other_project',
                         {'project_id': project_id})
    quotas = QUOTAS.get_project_quotas(context, project_id,
                                       user_id=context.user_id)
    shown = set(_resources(req))
    absolute = {key: quotas[name]['limit'] for key, name in _ABSOLUTE
                if name in shown}
    absolute.update({key: quotas[name]['in_use'] for key, name in _USED
                     if name in shown})
    return {'limits': {'rate': [], 'absolute': absolute}}
