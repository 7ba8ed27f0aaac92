"""/os-keypairs: a user's key pairs; create (generated, private key shown
once), import, list, show, delete.  Users see only their own key pairs;
administrators may name another user (user_id, 2.10)."""

import string

import webob.exc

from nimbus.api.openstack.compute import keypair_crypto
from nimbus.api.openstack.compute.schemas import keypairs as schema
from nimbus.api.openstack import validation
from nimbus.api.openstack import wsgi
from nimbus.conf import CONF
from nimbus import exception
from nimbus import objects
from nimbus import policy
from nimbus import quota

_P = 'os_compute_api:os-keypairs:'
_SAFE = set('_- ' + string.digits + string.ascii_letters)


def _user(req, user_id=None):
    """The user whose key pairs are meant; policy-checked."""
    if user_id is None and req.api_version.matches('2.10'):
        user_id = req.GET.get('user_id')
    return user_id or req.context.user_id


def _authorize(req, action, user_id):
    policy.authorize(req.context, _P + action,
                     {'user_id': user_id,
                      'project_id': req.context.project_id})


def _isotime(value):
    return value.isoformat() if value is not None else None


def _view(req, keypair, private_key=None, full=False):
    view = {'name': keypair.name, 'public_key': keypair.public_key,
            'fingerprint': keypair.fingerprint}
    if req.api_version.matches('2.2'):
        view['type'] = keypair.type
    if full:
        view.update({'user_id': keypair.user_id,
                     'deleted': False,
                     'created_at': _isotime(keypair.created_at),
                     'updated_at': _isotime(keypair.updated_at),
                     'deleted_at': None,
                     'id': keypair.id})
    if private_key is not None:
        view['private_key'] = private_key
    return view


def index(req):
    user_id = _user(req)
    _authorize(req, 'index', user_id)
    limit = marker = None
    if req.api_version.matches('2.35'):
        marker = req.GET.get('marker')
        # Paged from 2.35: at most [api] max_limit, a next link after.
        limit = CONF.api.max_limit
        if 'limit' in req.GET:
            try:
                limit = int(req.GET['limit'])
                if limit < 0:
                    raise ValueError
            except ValueError:
                raise webob.exc.HTTPBadRequest(
                    explanation='limit param must be a positive integer')
            limit = min(limit, CONF.api.max_limit)
    try:
        keypairs = objects.KeyPairList.get_by_user(
            req.context, user_id, limit=limit, marker=marker)
    except exception.KeypairNotFound:
        raise webob.exc.HTTPBadRequest(
            explanation='Marker %s could not be found.' % marker)
    body = {'keypairs': [{'keypair': _view(req, kp)} for kp in keypairs]}
    if limit and len(keypairs) == limit:
        query = 'limit=%d&marker=%s' % (limit, keypairs[-1].name)
        if req.GET.get('user_id'):
            query += '&user_id=%s' % req.GET['user_id']
        body['keypairs_links'] = [{
            'rel': 'next',
            'href': '%s/os-keypairs?%s' % (req.application_url.rstrip('/'),
                                           query)}]
    return body


def _get(req, name, user_id):
    try:
        return objects.KeyPair.get_by_name(req.context, user_id, name)
    except exception.KeypairNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())


def show(req, keypair_name):
    user_id = _user(req)
    _authorize(req, 'show', user_id)
    return {'keypair': _view(req, _get(req, keypair_name, user_id),
                             full=True)}


def _check_name(name):
    if not all(char in _SAFE for char in name):
        raise webob.exc.HTTPBadRequest(
            explanation='Keypair data is invalid: Keypair name contains '
                        'unsafe characters')
    if not name.strip():
        raise webob.exc.HTTPBadRequest(
            explanation='Keypair data is invalid: Keypair name must be '
                        'string and between 1 and 255 characters long')


@validation.schema(schema.create, max_version='2.1')
@validation.schema(schema.create_v22, min_version='2.2', max_version='2.9')
@validation.schema(schema.create_v210, min_version='2.10')
def create(req, body):
    spec = body['keypair']
    user_id = _user(req, spec.get('user_id'))
    _authorize(req, 'create', user_id)
    name = spec['name']
    _check_name(name)
    key_type = spec.get('type', 'ssh')
    private_key = None
    try:
        if 'public_key' in spec:
            public_key = spec['public_key'].strip()
            fingerprint = keypair_crypto.fingerprint(public_key, key_type)
        elif key_type == 'x509':
            private_key, public_key, fingerprint = (
                keypair_crypto.generate_x509(user_id))
        else:
            private_key, public_key, fingerprint = (
                keypair_crypto.generate_ssh('Generated-by-Nova'))
    except exception.InvalidKeypair as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    keypair = objects.KeyPair(req.context, name=name, user_id=user_id,
                              public_key=public_key,
                              fingerprint=fingerprint, type=key_type)

    def add(context):
        keypair.create()
        return keypair

    try:
        quota.QUOTAS.check_deltas_and_run(
            req.context, req.context.project_id, user_id, {'key_pairs': 1},
            add)
    except exception.OverQuota:
        raise webob.exc.HTTPForbidden(
            explanation='Quota exceeded, too many key pairs.')
    except exception.KeyPairExists as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    view = _view(req, keypair, private_key)
    view['user_id'] = keypair.user_id
    code = 201 if req.api_version.matches('2.2') else 200
    return wsgi.json_response({'keypair': view}, status=code)


def delete(req, keypair_name):
    user_id = _user(req)
    _authorize(req, 'delete', user_id)
    try:
        objects.KeyPair.destroy_by_name(req.context, user_id, keypair_name)
    except exception.KeypairNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    code = 204 if req.api_version.matches('2.2') else 202
    return wsgi.json_response(None, status=code)
