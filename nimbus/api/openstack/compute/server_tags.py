"""/servers/{id}/tags (microversion 2.26)."""

import webob.exc

from nimbus.api.openstack.compute.schemas import servers as schemas
from nimbus.api.openstack.compute import servers
from nimbus.api.openstack import validation
from nimbus.api.openstack import wsgi
from nimbus.db.api import tag as tag_db
from nimbus import policy

_RULE = 'os_compute_api:os-server-tags:'
MAX_TAGS = 50


def _instance(req, server_id, rule):
    if not req.api_version.matches('2.26'):
        raise webob.exc.HTTPNotFound(explanation='The resource could not '
                                                 'be found.')
    instance = servers.get_instance(req, server_id)
    policy.authorize(req.context, _RULE + rule,
                     {'project_id': instance.project_id,
                      'user_id': instance.user_id})
    return instance


def _set_tags(context, instance, tags):
    # Tags live only in the database nimbus-api owns; no service is told.
    return tag_db.tag_set(context, instance.uuid, tags)


def _check_tag(tag):
    if not tag or len(tag) > 60 or '/' in tag or ',' in tag:
        raise webob.exc.HTTPBadRequest(
            explanation='Tag %r is invalid: 1 to 60 characters, no "/" '
                        'or ","' % tag)


def index(req, server_id):
    instance = _instance(req, server_id, 'index')
    return {'tags': sorted(instance.tags or [])}


def show(req, server_id, tag):
    instance = _instance(req, server_id, 'show')
    if tag not in (instance.tags or []):
        raise webob.exc.HTTPNotFound(
            explanation='Tag %s not found' % tag)
    return wsgi.json_response(None, status=204)


@validation.schema(schemas.tags_update_all)
def update_all(req, server_id, body):
    instance = _instance(req, server_id, 'update_all')
    tags = sorted(set(body['tags']))
    _set_tags(req.context, instance, tags)
    return {'tags': tags}


def update(req, server_id, tag):
    _check_tag(tag)
    instance = _instance(req, server_id, 'update')
    current = set(instance.tags or [])
    if tag in current:
        return wsgi.json_response(None, status=204)
    if len(current) >= MAX_TAGS:
        raise webob.exc.HTTPBadRequest(
            explanation='A server has at most %d tags' % MAX_TAGS)
    _set_tags(req.context, instance, sorted(current | {tag}))
    resp = wsgi.json_response(None, status=201)
    resp.headers['Location'] = req.path_url
    return resp


@wsgi.response(204)
def delete(req, server_id, tag):
    instance = _instance(req, server_id, 'delete')
    current = set(instance.tags or [])
    if tag not in current:
        raise webob.exc.HTTPNotFound(explanation='Tag %s not found' % tag)
    _set_tags(req.context, instance, sorted(current - {tag}))


@wsgi.response(204)
def delete_all(req, server_id):
    instance = _instance(req, server_id, 'delete_all')
    _set_tags(req.context, instance, [])
