"""/os-security-groups, /os-security-group-rules, a server's groups
(/servers/{id}/os-security-groups) and the actions addSecurityGroup /
removeSecurityGroup.

The two resources are nova-network proxies, gone above 2.35 as in Nova
(404); a server's groups and the actions stay.
"""

import webob.exc

from nimbus.api.openstack.compute.floating_ips import proxy_api
from nimbus.api.openstack.compute.schemas import network_proxies as schemas
from nimbus.api.openstack import validation
from nimbus.api.openstack import wsgi
from nimbus.network import security_groups as sg_api
from nimbus import exception
from nimbus import policy

_P = 'os_compute_api:os-security-groups:'
_TRUE = ('true', '1', 'yes', 'on')


def _authorize(req, action, project_id=None):
    policy.authorize(req.context, _P + action,
                     {'project_id': project_id or req.context.project_id,
                      'user_id': req.context.user_id})


def rule_view(rule):
    view = {'id': rule['id'], 'parent_group_id': rule['parent_group_id'],
            'ip_protocol': rule['protocol'],
            'from_port': rule['from_port'], 'to_port': rule['to_port'],
            'group': {}, 'ip_range': {}}
    if rule.get('group') is not None:
        view['group'] = dict(rule['group'])
    elif rule.get('cidr'):
        view['ip_range'] = {'cidr': rule['cidr']}
    return view


def group_view(group):
    return {'id': group['id'], 'name': group['name'],
            'description': group['description'] or '',
            'tenant_id': group['project_id'],
            'rules': [rule_view(rule) for rule in group['rules']]}


def _errors(func, *args, **kwargs):
    """Run an operation, nimbus errors as Nova answers them."""
    try:
        return func(*args, **kwargs)
    except exception.NotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    except exception.OverQuota as exc:
        raise webob.exc.HTTPForbidden(explanation=exc.format_message())
    except exception.Invalid as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())


@proxy_api
def index(req):
    _authorize(req, 'get')
    all_projects = str(req.GET.get('all_tenants', '')).lower() in _TRUE
    groups = sg_api.list_groups(req.context, all_projects=all_projects)
    return {'security_groups': [group_view(g) for g in groups]}


@proxy_api
def show(req, security_group_id):
    _authorize(req, 'get')
    return {'security_group': group_view(_errors(
        sg_api.get_group, req.context, security_group_id))}


@proxy_api
@validation.schema(schemas.security_group)
def create(req, body):
    _authorize(req, 'create')
    spec = body['security_group']
    return {'security_group': group_view(_errors(
        sg_api.create_group, req.context, spec['name'],
        spec['description']))}


@proxy_api
@validation.schema(schemas.security_group)
def update(req, security_group_id, body):
    _authorize(req, 'update')
    spec = body['security_group']
    return {'security_group': group_view(_errors(
        sg_api.update_group, req.context, security_group_id, spec['name'],
        spec['description']))}


@proxy_api
def delete(req, security_group_id):
    _authorize(req, 'delete')
    _errors(sg_api.delete_group, req.context, security_group_id)
    return wsgi.json_response(None, status=202)


@proxy_api
@validation.schema(schemas.security_group_rule)
def create_rule(req, body):
    _authorize(req, 'rule:create')
    spec = body['security_group_rule']
    rule = _errors(sg_api.create_rule, req.context, spec['parent_group_id'],
                   ip_protocol=spec.get('ip_protocol'),
                   from_port=spec.get('from_port'),
                   to_port=spec.get('to_port'), cidr=spec.get('cidr'),
                   group_id=spec.get('group_id'))
    return {'security_group_rule': rule_view(rule)}


@proxy_api
def delete_rule(req, security_group_rule_id):
    _authorize(req, 'rule:delete')
    _errors(sg_api.delete_rule, req.context, security_group_rule_id)
    return wsgi.json_response(None, status=202)


# A server's groups, and the actions ------------------------------------------

def server_index(req, server_id):
    from nimbus.api.openstack.compute import servers
    instance = servers.get_instance(req, server_id)
    _authorize(req, 'list', instance.project_id)
    return {'security_groups': [
        group_view(g) for g in sg_api.groups_of_instance(req.context,
                                                         instance)]}


def _membership(action, func):
    schema = schemas.server_security_group(action)

    def handler(req, instance, body):
        validation.validate(schema, body)
        policy.authorize(req.context, _P + ('add' if func is
                                            sg_api.add_to_instance
                                            else 'remove'),
                         {'project_id': instance.project_id,
                          'user_id': instance.user_id})
        _errors(func, req.context, instance, body[action]['name'])
        return wsgi.json_response(None, status=202)
    return handler


add_security_group = _membership('addSecurityGroup', sg_api.add_to_instance)
remove_security_group = _membership('removeSecurityGroup',
                                    sg_api.remove_from_instance)
