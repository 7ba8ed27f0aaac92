"""Who is calling: the request context from Keystone's headers, or from a
``noauth2`` token for single-user and test setups.

With ``[api] auth_strategy = keystone`` keystonemiddleware's auth_token
checks the token and sets X-User-Id, X-Project-Id, X-Roles…; KeystoneContext
turns them into a RequestContext.  With ``noauth2`` the token is
``user[:project]`` and nothing is checked: never on a shared cloud.
"""

import json

from oslo_log import log as logging
from paste import deploy
import webob.dec

from nimbus.api.openstack import faults
from nimbus.api.openstack import wsgi
from nimbus.conf import CONF
from nimbus import context as nimbus_context

LOG = logging.getLogger(__name__)


def _roles(header):
    return [r.strip() for r in (header or '').split(',') if r.strip()]


def _request_id(req):
    return req.environ.get('openstack.request_id')


class KeystoneContext:
    """Builds the context from the headers auth_token has verified."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        if req.headers.get('X-Identity-Status', 'Confirmed') != 'Confirmed':
            return faults.fault_response(401, 'Authentication required')
        user_id = req.headers.get('X-User-Id') or req.headers.get('X-User')
        project_id = (req.headers.get('X-Project-Id') or
                      req.headers.get('X-Tenant-Id'))
        if not user_id:
            return faults.fault_response(401, 'Authentication required')
        roles = _roles(req.headers.get('X-Roles'))
        catalog = []
        if req.headers.get('X-Service-Catalog'):
            try:
                catalog = json.loads(req.headers['X-Service-Catalog'])
            except ValueError:
                return faults.fault_response(500, 'Invalid service catalog '
                                                  'from the auth middleware')
        ctx = nimbus_context.RequestContext(
            user_id=user_id, project_id=project_id, roles=roles,
            user_name=req.headers.get('X-User-Name'),
            project_name=req.headers.get('X-Project-Name'),
            is_admin='admin' in roles,
            auth_token=req.headers.get('X-Auth-Token'),
            remote_address=req.remote_addr,
            request_id=_request_id(req), service_catalog=catalog)
        req.environ[wsgi.CONTEXT_KEY] = ctx
        return req.get_response(self.application)

    @classmethod
    def factory(cls, global_config, **local_config):
        return cls


class NoAuthMiddleware:
    """noauth2: trusts ``X-Auth-Token: user[:project]``; user 'admin' is
    an administrator."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        token = req.headers.get('X-Auth-Token')
        if not token:
            return faults.fault_response(
                401, 'Authentication required: send X-Auth-Token: '
                     'user[:project]')
        user_id, _, project_id = token.partition(':')
        project_id = (project_id or req.headers.get('X-Auth-Project-Id') or
                      user_id)
        roles = ['member', 'reader']
        if user_id == 'admin':
            roles.append('admin')
        ctx = nimbus_context.RequestContext(
            user_id=user_id, project_id=project_id, roles=roles,
            is_admin=user_id == 'admin', auth_token=token,
            remote_address=req.remote_addr, request_id=_request_id(req))
        req.environ[wsgi.CONTEXT_KEY] = ctx
        return req.get_response(self.application)

    @classmethod
    def factory(cls, global_config, **local_config):
        return cls


def pipeline_factory(loader, global_conf, **local_conf):
    """Pick the pipeline named by [api] auth_strategy."""
    strategy = CONF.api.auth_strategy
    pipeline = local_conf.get(strategy)
    if pipeline is None:
        raise ValueError('No pipeline for auth_strategy %r' % strategy)
    names = pipeline.split()
    app = loader.get_app(names[-1])
    for name in reversed(names[:-1]):
        app = loader.get_filter(name)(app)
    return app


def loadapp(path, name):
    return deploy.loadapp('config:%s' % path, name=name)
