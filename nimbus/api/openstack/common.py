"""Helpers shared by Compute API handlers: paging, links, time format.
(Server status from vm/task state lives in nimbus.compute.states.)"""

import datetime
import hashlib

import webob.exc

from nimbus.conf import CONF

PROGRESS_STATUSES = ('ACTIVE', 'BUILD', 'REBUILD', 'RESIZE',
                     'VERIFY_RESIZE', 'MIGRATING')


def isotime(value):
    """ISO 8601 in UTC with a Z, as the Compute API shows times."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value.strftime('%Y-%m-%dT%H:%M:%SZ')


def host_id(project_id, host):
    """An opaque id of the host, stable per project (Nova's hostId)."""
    if not host:
        return ''
    return hashlib.sha224((project_id + host).encode()).hexdigest()


def url_prefix(req):
    return req.application_url.rstrip('/')


def bookmark_prefix(req):
    # The bookmark link has no version: host + the endpoint's own path.
    script = req.script_name
    for prefix in ('/v2.1', '/v2', '/v1.1'):
        if script.endswith(prefix):
            script = script[:-len(prefix)]
            break
    return req.host_url + script


def project_in_url(req):
    return req.environ.get('nimbus.url_project_id')


def links(req, collection, item_id):
    project = project_in_url(req)
    middle = ('/%s' % project) if project else ''
    return [
        {'rel': 'self', 'href': '%s%s/%s/%s' % (
            url_prefix(req), middle, collection, item_id)},
        {'rel': 'bookmark', 'href': '%s%s/%s/%s' % (
            bookmark_prefix(req), middle, collection, item_id)},
    ]


def limit_and_marker(req):
    """(limit, marker) from the query string; 400 when malformed."""
    limit = req.GET.get('limit')
    if limit is not None:
        try:
            limit = int(limit)
        except ValueError:
            raise webob.exc.HTTPBadRequest(
                explanation='limit param must be an integer')
        if limit < 0:
            raise webob.exc.HTTPBadRequest(
                explanation='limit param must be positive')
    max_limit = CONF.api.max_limit
    limit = max_limit if limit is None else min(limit, max_limit)
    return limit, req.GET.get('marker')


def next_link(req, collection, items, limit, id_key='id'):
    """[{'rel': 'next', …}] when a page was filled, else []."""
    if not items or len(items) < limit:
        return []
    params = [(k, v) for k, v in req.GET.items() if k != 'marker']
    params.append(('marker', items[-1][id_key]))
    query = '&'.join('%s=%s' % (k, v) for k, v in params)
    project = project_in_url(req)
    middle = ('/%s' % project) if project else ''
    return [{'rel': 'next', 'href': '%s%s/%s?%s' % (
        url_prefix(req), middle, collection, query)}]
