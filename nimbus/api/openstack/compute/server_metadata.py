"""/servers/{id}/metadata and /servers/{id}/metadata/{key}."""

import webob.exc

from nimbus.api.openstack.compute.schemas import servers as schemas
from nimbus.api.openstack.compute import servers
from nimbus.api.openstack import validation
from nimbus.api.openstack import wsgi
from nimbus import exception
from nimbus import policy

_RULE = 'os_compute_api:server-metadata:'


def _instance(req, server_id, rule):
    instance = servers.get_instance(req, server_id)
    policy.authorize(req.context, _RULE + rule,
                     {'project_id': instance.project_id,
                      'user_id': instance.user_id})
    return instance


def _update(req, instance, metadata, replace):
    try:
        return servers._compute().update_instance_metadata(
            req.context, instance, metadata, delete=replace)
    except exception.OverQuota as exc:
        raise webob.exc.HTTPForbidden(explanation=exc.format_message())


def index(req, server_id):
    instance = _instance(req, server_id, 'index')
    return {'metadata': dict(instance.metadata or {})}


@validation.schema(schemas.metadata_body)
def create(req, server_id, body):
    instance = _instance(req, server_id, 'create')
    return {'metadata': _update(req, instance, body['metadata'], False)}


@validation.schema(schemas.metadata_body)
def update_all(req, server_id, body):
    instance = _instance(req, server_id, 'update_all')
    return {'metadata': _update(req, instance, body['metadata'], True)}


def show(req, server_id, key):
    instance = _instance(req, server_id, 'show')
    metadata = instance.metadata or {}
    if key not in metadata:
        raise webob.exc.HTTPNotFound(explanation='Metadata item was not '
                                                 'found')
    return {'meta': {key: metadata[key]}}


@validation.schema(schemas.metadata_item)
def update(req, server_id, key, body):
    if key not in body['meta']:
        raise webob.exc.HTTPBadRequest(
            explanation='Request body and URI mismatch')
    instance = _instance(req, server_id, 'update')
    _update(req, instance, body['meta'], False)
    return {'meta': body['meta']}


@wsgi.response(204)
def delete(req, server_id, key):
    instance = _instance(req, server_id, 'delete')
    if key not in (instance.metadata or {}):
        raise webob.exc.HTTPNotFound(explanation='Metadata item was not '
                                                 'found')
    servers._compute().delete_instance_metadata(req.context, instance, key)
