"""/os-services (admin): list with state up/down, enable, disable (with a
reason), force down (2.11), delete."""

import webob.exc

from nimbus.api.openstack.compute import availability_zones as az
from nimbus.api.openstack.compute.schemas import services as schema
from nimbus.api.openstack import validation
from nimbus.api.openstack import wsgi
from nimbus import exception
from nimbus import objects
from nimbus import policy
from nimbus import servicegroup

_P = 'os_compute_api:os-services:'


def _view(req, service):
    view = {
        'id': service.id,
        'binary': service.binary,
        'host': service.host,
        'zone': az.zone_of(service),
        'status': 'disabled' if service.disabled else 'enabled',
        'state': 'up' if servicegroup.service_is_up(service) else 'down',
        'updated_at': az.isotime(servicegroup.last_heartbeat(service)),
        'disabled_reason': service.disabled_reason,
    }
    if req.api_version.matches('2.11'):
        view['forced_down'] = bool(service.forced_down)
    return view


def index(req):
    policy.authorize(req.context, _P + 'list', {})
    host, binary = req.GET.get('host'), req.GET.get('binary')
    services = [s for s in objects.ServiceList.get_all(req.context)
                if (host is None or s.host == host) and
                (binary is None or s.binary == binary)]
    return {'services': [_view(req, s) for s in services]}


def _service(req, body):
    try:
        return objects.Service.get_by_host_and_binary(
            req.context, body['host'], body['binary'])
    except exception.NotFound:
        raise webob.exc.HTTPNotFound(
            explanation='Host %s not found (or it runs no %s).'
                        % (body['host'], body['binary']))


@validation.schema(schema.service_update, max_version='2.10')
@validation.schema(schema.service_update_v211, min_version='2.11')
def update(req, service_id, body):
    # PUT /os-services/{enable,disable,disable-log-reason,force-down}
    action = service_id
    policy.authorize(req.context, _P + 'update', {})
    if action == 'force-down' and req.api_version.matches('2.11'):
        if 'forced_down' not in body:
            raise webob.exc.HTTPBadRequest(
                explanation='forced_down is required.')
        service = _service(req, body)
        service.forced_down = body['forced_down']
        service.save()
        return {'service': {'host': service.host, 'binary': service.binary,
                            'forced_down': service.forced_down}}
    if action not in ('enable', 'disable', 'disable-log-reason'):
        raise webob.exc.HTTPNotFound(explanation='Unknown action')
    if 'forced_down' in body:
        raise webob.exc.HTTPBadRequest(
            explanation='forced_down is only valid with force-down.')
    if action == 'disable-log-reason' and 'disabled_reason' not in body:
        raise webob.exc.HTTPBadRequest(
            explanation='Missing disabled reason field')
    service = _service(req, body)
    service.disabled = action != 'enable'
    service.disabled_reason = (body['disabled_reason']
                               if action == 'disable-log-reason' else None)
    service.save()
    view = {'host': service.host, 'binary': service.binary,
            'status': 'disabled' if service.disabled else 'enabled'}
    if action == 'disable-log-reason':
        view['disabled_reason'] = service.disabled_reason
    return {'service': view}


@wsgi.response(204)
def delete(req, service_id):
    policy.authorize(req.context, _P + 'delete', {})
    try:
        number = int(service_id)
        if not 0 < number <= 2147483647:
            raise ValueError
        service = objects.Service.get_by_id(req.context, number)
    except (ValueError, exception.NotFound):
        raise webob.exc.HTTPNotFound(
            explanation='Service %s could not be found.' % service_id)
    service.destroy()
