"""POST /servers/{id}/action: one handler per action key of the body."""

import webob.exc

from nimbus.api.openstack import common
from nimbus.api.openstack.compute import floating_ips
from nimbus.api.openstack.compute import security_groups
from nimbus.api.openstack.compute.schemas import servers as schemas
from nimbus.api.openstack.compute import server_views as views
from nimbus.api.openstack.compute import servers
from nimbus.api.openstack import validation
from nimbus.api.openstack import wsgi
from nimbus import exception
from nimbus import policy


def _target(instance):
    return {'project_id': instance.project_id, 'user_id': instance.user_id}


def _simple(rule, method_name, schema_key):
    """An action with no arguments: authorize, call, answer 202."""
    def handler(req, instance, body):
        validation.validate(schemas.no_argument(schema_key), body)
        policy.authorize(req.context, 'os_compute_api:' + rule,
                         _target(instance))
        getattr(servers._compute(), method_name)(req.context, instance)
        return wsgi.json_response(None, status=202)
    return handler


def _reboot(req, instance, body):
    validation.validate(schemas.reboot, body)
    policy.authorize(req.context, 'os_compute_api:servers:reboot',
                     _target(instance))
    servers._compute().reboot(req.context, instance,
                              body['reboot']['type'].upper())
    return wsgi.json_response(None, status=202)


def _rebuild(req, instance, body):
    schema = (schemas.rebuild_v219 if req.api_version.matches('2.19')
              else schemas.rebuild)
    validation.validate(schema, body)
    policy.authorize(req.context, 'os_compute_api:servers:rebuild',
                     _target(instance))
    args = body['rebuild']
    kwargs = {}
    for key, field in (('name', 'display_name'), ('metadata', 'metadata'),
                       ('accessIPv4', 'access_ip_v4'),
                       ('accessIPv6', 'access_ip_v6'),
                       ('adminPass', 'admin_password')):
        if key in args:
            kwargs[field] = args[key]
    try:
        servers._compute().rebuild(req.context, instance, args['imageRef'],
                                   **kwargs)
    except exception.NotFound as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    if 'description' in args:
        servers._compute().update(req.context, instance,
                                  display_description=args['description'])
    instance = servers.get_instance(req, instance.uuid)
    server = views.common_view(req, instance.server_row())
    server['adminPass'] = args.get('adminPass') or servers._password()
    return wsgi.json_response({'server': server}, status=202)


def _resize(req, instance, body):
    validation.validate(schemas.resize, body)
    policy.authorize(req.context, 'os_compute_api:servers:resize',
                     _target(instance))
    flavor_ref = str(body['resize']['flavorRef'])
    try:
        servers._compute().resize(req.context, instance, flavor_ref)
    except exception.FlavorNotFound as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    return wsgi.json_response(None, status=202)


def _confirm_resize(req, instance, body):
    validation.validate(schemas.no_argument('confirmResize'), body)
    policy.authorize(req.context, 'os_compute_api:servers:confirm_resize',
                     _target(instance))
    servers._compute().confirm_resize(req.context, instance)
    return wsgi.json_response(None, status=204)


def _create_image(req, instance, body):
    validation.validate(schemas.create_image, body)
    policy.authorize(req.context, 'os_compute_api:servers:create_image',
                     _target(instance))
    args = body['createImage']
    image = servers._compute().snapshot(req.context, instance, args['name'],
                                        extra_properties=args.get(
                                            'metadata') or {})
    resp = wsgi.json_response(None, status=202)
    resp.headers['Location'] = '%s/images/%s' % (
        common.bookmark_prefix(req), image['id'])
    return resp


def _console_output(req, instance, body):
    validation.validate(schemas.console_output, body)
    policy.authorize(req.context, 'os_compute_api:os-console-output',
                     _target(instance))
    length = (body['os-getConsoleOutput'] or {}).get('length')
    length = None if length in (None, '', -1, '-1') else int(length)
    try:
        output = servers._compute().get_console_output(
            req.context, instance, tail_length=length)
    except exception.ConsoleNotAvailable as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    return {'output': output}


def _reset_state(req, instance, body):
    validation.validate(schemas.reset_state, body)
    policy.authorize(req.context, 'os_compute_api:os-admin-actions:'
                                  'reset_state', _target(instance))
    servers._compute().reset_state(req.context, instance,
                                   body['os-resetState']['state'])
    return wsgi.json_response(None, status=202)


def _rescue(req, instance, body):
    validation.validate(schemas.rescue, body)
    policy.authorize(req.context, 'os_compute_api:os-rescue',
                     _target(instance))
    args = body['rescue'] or {}
    try:
        password = servers._compute().rescue(
            req.context, instance, rescue_password=args.get('adminPass'),
            rescue_image_ref=args.get('rescue_image_ref'))
    except exception.NotFound as exc:
        # An unknown rescue image is a bad argument, not a missing server.
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    return {'adminPass': password}


def _trigger_crash_dump(req, instance, body):
    validation.validate(schemas.trigger_crash_dump, body)
    policy.authorize(req.context,
                     'os_compute_api:servers:trigger_crash_dump',
                     _target(instance))
    servers._compute().trigger_crash_dump(req.context, instance)
    return wsgi.json_response(None, status=202)


def _unlock(req, instance, body):
    validation.validate(schemas.no_argument('unlock'), body)
    policy.authorize(req.context, 'os_compute_api:os-lock-server:unlock',
                     _target(instance))
    # A lock an administrator put on needs an administrator to lift.
    if instance.locked and instance.locked_by == 'admin':
        policy.authorize(req.context, 'os_compute_api:os-lock-server:'
                                      'unlock:unlock_override',
                         _target(instance))
    servers._compute().unlock(req.context, instance)
    return wsgi.json_response(None, status=202)


ACTIONS = {
    'reboot': _reboot,
    'os-stop': _simple('servers:stop', 'stop', 'os-stop'),
    'os-start': _simple('servers:start', 'start', 'os-start'),
    'pause': _simple('os-pause-server:pause', 'pause', 'pause'),
    'unpause': _simple('os-pause-server:unpause', 'unpause', 'unpause'),
    'suspend': _simple('os-suspend-server:suspend', 'suspend', 'suspend'),
    'resume': _simple('os-suspend-server:resume', 'resume', 'resume'),
    'lock': _simple('os-lock-server:lock', 'lock', 'lock'),
    'unlock': _unlock,
    'rescue': _rescue,
    'unrescue': _simple('os-unrescue', 'unrescue', 'unrescue'),
    'rebuild': _rebuild,
    'resize': _resize,
    'confirmResize': _confirm_resize,
    'revertResize': _simple('servers:revert_resize', 'revert_resize',
                            'revertResize'),
    'createImage': _create_image,
    'os-getConsoleOutput': _console_output,
    'os-resetState': _reset_state,
    'forceDelete': _simple('os-deferred-delete:force', 'force_delete',
                           'forceDelete'),
    'restore': _simple('os-deferred-delete:restore', 'restore', 'restore'),
    'addFloatingIp': floating_ips.add_floating_ip,
    'removeFloatingIp': floating_ips.remove_floating_ip,
    'addSecurityGroup': security_groups.add_security_group,
    'removeSecurityGroup': security_groups.remove_security_group,
    'trigger_crash_dump': _trigger_crash_dump,
}

#: Actions added by a microversion: below it they are not there (404, as
#: for any method of a later microversion).
MIN_VERSIONS = {'trigger_crash_dump': '2.17'}


def action(req, server_id):
    body = req.json_body()
    if len(body) != 1:
        raise webob.exc.HTTPBadRequest(
            explanation='An action body has exactly one key, the action.')
    name = next(iter(body))
    handler = ACTIONS.get(name)
    if handler is None:
        raise webob.exc.HTTPBadRequest(
            explanation='There is no such action: %s' % name)
    if name in MIN_VERSIONS and not req.api_version.matches(
            MIN_VERSIONS[name]):
        raise webob.exc.HTTPNotFound(
            explanation='The action %s needs microversion %s or later.'
                        % (name, MIN_VERSIONS[name]))
    instance = servers.get_instance(req, server_id)
    return handler(req, instance, body)
