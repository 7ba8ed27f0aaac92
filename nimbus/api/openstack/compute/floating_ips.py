"""/os-floating-ips, /os-floating-ip-pools and the server actions
addFloatingIp / removeFloatingIp (nova-network floating IPs).

The two resources are proxies Nova deprecated in 2.36: asked with a later
microversion they answer 404, as Nova's do. The actions stay (Nova removed
them only in 2.44, above our maximum).
"""

import functools

import webob.exc

from nimbus.api.openstack.compute.schemas import network_proxies as schemas
from nimbus.api.openstack import validation
from nimbus.api.openstack import wsgi
from nimbus import exception
from nimbus.network import api as network_api
from nimbus import policy

_P = 'os_compute_api:'
# The last microversion with the nova-network proxy resources.
PROXY_MAX_VERSION = '2.35'


def proxy_api(func):
    """404 above PROXY_MAX_VERSION, as for a URL that does not exist."""
    @functools.wraps(func)
    def wrapper(req, **kwargs):
        if not req.api_version.matches(max_version=PROXY_MAX_VERSION):
            raise webob.exc.HTTPNotFound(
                explanation='The resource could not be found.')
        return func(req, **kwargs)
    return wrapper


def _network():
    return network_api.API()


def _authorize(req, action):
    policy.authorize(req.context, _P + action,
                     {'project_id': req.context.project_id,
                      'user_id': req.context.user_id})


def _view(floating):
    return {'id': floating['id'], 'ip': floating['address'],
            'pool': floating['pool'], 'fixed_ip': floating['fixed_ip'],
            'instance_id': floating['instance_uuid']}


def _not_found(exc):
    return webob.exc.HTTPNotFound(explanation=exc.format_message())


@proxy_api
def index(req):
    _authorize(req, 'os-floating-ips:list')
    return {'floating_ips': [
        _view(row)
        for row in _network().get_floating_ips_by_project(req.context)]}


@proxy_api
def show(req, floating_ip_id):
    _authorize(req, 'os-floating-ips:show')
    try:
        floating = _network().get_floating_ip(req.context, floating_ip_id)
    except exception.FloatingIpNotFound as exc:
        raise _not_found(exc)
    return {'floating_ip': _view(floating)}


def _optional_body(req):
    if not req.body:
        return None
    return req.json_body()


@proxy_api
def create(req):
    body = _optional_body(req)
    validation.validate(schemas.allocate_floating_ip, body)
    _authorize(req, 'os-floating-ips:create')
    pool = (body or {}).get('pool')
    try:
        floating = _network().allocate_floating_ip(req.context, pool)
    except exception.NoMoreFloatingIps as exc:
        raise _not_found(exc)
    except exception.FloatingIpPoolNotFound:
        raise webob.exc.HTTPNotFound(
            explanation='Floating IP pool not found.')
    except exception.OverQuota:
        raise webob.exc.HTTPForbidden(
            explanation='Maximum number of floating IPs exceeded')
    return {'floating_ip': _view(floating)}


@proxy_api
def delete(req, floating_ip_id):
    _authorize(req, 'os-floating-ips:delete')
    api = _network()
    try:
        floating = api.get_floating_ip(req.context, floating_ip_id)
        api.release_floating_ip(req.context, floating)
    except exception.FloatingIpNotFound as exc:
        raise _not_found(exc)
    return wsgi.json_response(None, status=202)


@proxy_api
def pools(req):
    _authorize(req, 'os-floating-ip-pools:list')
    return {'floating_ip_pools': [
        {'name': name}
        for name in _network().get_floating_ip_pools(req.context)]}


# Server actions --------------------------------------------------------------

def _target(instance):
    return {'project_id': instance.project_id, 'user_id': instance.user_id}


def add_floating_ip(req, instance, body):
    validation.validate(schemas.add_floating_ip, body)
    policy.authorize(req.context, _P + 'os-floating-ips:add',
                     _target(instance))
    args = body['addFloatingIp']
    try:
        _network().associate_floating_ip(
            req.context, instance, args['address'],
            fixed_address=args.get('fixed_address'))
    except exception.FloatingIpNotFound:
        raise webob.exc.HTTPNotFound(explanation='floating IP not found')
    except (exception.NoFixedIpsDefined,
            exception.FixedIpNotFoundForInstance,
            exception.FloatingIpAssociated) as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    return wsgi.json_response(None, status=202)


def remove_floating_ip(req, instance, body):
    validation.validate(schemas.remove_floating_ip, body)
    policy.authorize(req.context, _P + 'os-floating-ips:remove',
                     _target(instance))
    address = body['removeFloatingIp']['address']
    try:
        _network().disassociate_floating_ip(req.context, instance, address)
    except exception.FloatingIpNotFound:
        raise webob.exc.HTTPNotFound(explanation='floating IP not found')
    except (exception.FloatingIpNotAssociated,
            exception.FloatingIpAssociatedWithOtherInstance) as exc:
        # Nova: 409 when the address is not this server's (associated
        # elsewhere or nowhere).
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    return wsgi.json_response(None, status=202)
