"""/servers/{id}/os-instance-actions: what was done to a server, and when."""

import webob.exc

from nimbus.api.openstack import common
from nimbus.api.openstack.compute import servers
from nimbus import exception
from nimbus import policy

_RULE = 'os_compute_api:os-instance-actions:'


def _action_view(action):
    return {
        'action': action.action,
        'instance_uuid': action.instance_uuid,
        'request_id': action.request_id,
        'user_id': action.user_id,
        'project_id': action.project_id,
        'start_time': common.isotime(action.start_time),
        'message': action.message,
    }


def _event_view(event, show_traceback):
    body = {
        'event': event.event,
        'start_time': common.isotime(event.start_time),
        'finish_time': common.isotime(event.finish_time),
        'result': event.result,
    }
    if show_traceback:
        body['traceback'] = event.traceback
    return body


def _instance(req, server_id, rule):
    if req.api_version.matches('2.21'):
        # From 2.21 a deleted server's actions can be read too (still
        # only by its project, or an admin).
        context = req.context.from_dict(req.context.to_dict())
        context.read_deleted = 'yes'
        try:
            instance = servers._compute().get(context, server_id,
                                              expected_attrs=[])
        except exception.InstanceNotFound:
            raise webob.exc.HTTPNotFound(
                explanation='Instance %s could not be found.' % server_id)
    else:
        instance = servers.get_instance(req, server_id)
    policy.authorize(req.context, _RULE + rule,
                     {'project_id': instance.project_id,
                      'user_id': instance.user_id})
    return instance


def index(req, server_id):
    instance = _instance(req, server_id, 'list')
    actions = servers._compute().get_instance_actions(req.context, instance)
    return {'instanceActions': [_action_view(a) for a in actions]}


def show(req, server_id, request_id):
    instance = _instance(req, server_id, 'show')
    try:
        action, events = servers._compute().get_instance_action(
            req.context, instance, request_id)
    except exception.NotFound:
        raise webob.exc.HTTPNotFound(
            explanation='Action %s not found' % request_id)
    body = _action_view(action)
    try:
        policy.authorize(req.context, _RULE + 'events',
                         {'project_id': instance.project_id})
        body['events'] = [_event_view(e, True) for e in events]
    except exception.PolicyNotAuthorized:
        pass
    return {'instanceAction': body}
