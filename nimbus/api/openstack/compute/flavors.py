"""/flavors: list, detail, show; admin create and delete; extra specs and
access of private flavors (os-extra_specs, os-flavor-access)."""

from oslo_utils import strutils
from oslo_utils import uuidutils
import webob.exc

from nimbus.api.openstack.compute.schemas import flavors as schema
from nimbus.api.openstack import validation
from nimbus.api.openstack import wsgi
from nimbus.conf import CONF
from nimbus import exception
from nimbus import objects
from nimbus import policy

_P = 'os_compute_api:'


# Views ---------------------------------------------------------------------

def links(req, collection, item_id):
    """self (versioned) and bookmark (unversioned) links of an item."""
    project = req.environ.get('nimbus.url_project_id')
    middle = ('/%s' % project) if project else ''
    versioned = req.application_url.rstrip('/')
    script = req.script_name
    for prefix in ('/v2.1', '/v2', '/v1.1'):
        if script.endswith(prefix):
            script = script[:-len(prefix)]
            break
    return [
        {'rel': 'self', 'href': '%s%s/%s/%s' % (versioned, middle,
                                                collection, item_id)},
        {'rel': 'bookmark', 'href': '%s%s%s/%s/%s' % (
            req.host_url, script, middle, collection, item_id)},
    ]


def _basic(req, flavor):
    return {'id': flavor.flavorid, 'name': flavor.name,
            'links': links(req, 'flavors', flavor.flavorid)}


def _detail(req, flavor):
    view = _basic(req, flavor)
    view.update({
        'ram': flavor.memory_mb,
        'disk': flavor.root_gb,
        'vcpus': flavor.vcpus,
        # Before 2.75 a swap of 0 is shown as "".
        'swap': flavor.swap or '',
        'OS-FLV-EXT-DATA:ephemeral': flavor.ephemeral_gb,
        'OS-FLV-DISABLED:disabled': flavor.disabled,
        'os-flavor-access:is_public': flavor.is_public,
        'rxtx_factor': flavor.rxtx_factor,
    })
    return view


# Lookup ----------------------------------------------------------------------

def _visible_to(context, flavor):
    return (context.is_admin or flavor.is_public or
            context.project_id in flavor.projects)


def _get(req, flavor_id):
    """The flavor, 404 when missing or private to other projects."""
    context = req.context
    try:
        flavor = objects.Flavor.get_by_flavor_id(context, flavor_id)
    except exception.FlavorNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    if not _visible_to(context, flavor):
        raise webob.exc.HTTPNotFound(
            explanation='Flavor %s could not be found.' % flavor_id)
    return flavor


def _parse_is_public(value):
    if value is None:
        return True
    if value.lower() == 'none':
        return None
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid is_public filter [%s]' % value)


def _int_filter(req, name):
    value = req.GET.get(name)
    if value is None:
        return None
    try:
        number = int(value)
        if not 0 <= number <= schema.MAX_INT:
            raise ValueError
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid %s filter [%s]' % (name, value))
    return number


def _list(req, view):
    context = req.context
    filters = {}
    if context.is_admin:
        filters['is_public'] = _parse_is_public(req.GET.get('is_public'))
    else:
        filters['is_public'] = True
        filters['disabled'] = False
    min_ram = _int_filter(req, 'minRam')
    min_disk = _int_filter(req, 'minDisk')
    if min_ram is not None:
        filters['min_memory_mb'] = min_ram
    if min_disk is not None:
        filters['min_root_gb'] = min_disk
    limit = req.GET.get('limit')
    if limit is not None:
        try:
            limit = int(limit)
            if limit < 0:
                raise ValueError
        except ValueError:
            raise webob.exc.HTTPBadRequest(
                explanation='limit param must be a positive integer')
    limit = min(limit, CONF.api.max_limit) if limit is not None else (
        CONF.api.max_limit)
    marker = req.GET.get('marker')
    sort_key = req.GET.get('sort_key', 'flavorid')
    sort_dir = req.GET.get('sort_dir', 'asc')
    try:
        flavors = objects.FlavorList.get_all(
            context, filters=filters, sort_key=sort_key, sort_dir=sort_dir,
            limit=limit, marker=marker)
    except exception.Invalid as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    body = {'flavors': [view(req, flavor) for flavor in flavors]}
    if flavors and len(flavors) == limit:
        params = [(k, v) for k, v in req.GET.items() if k != 'marker']
        params.append(('marker', flavors[-1].flavorid))
        project = req.environ.get('nimbus.url_project_id')
        body['flavors_links'] = [{'rel': 'next', 'href': '%s%s/flavors%s?%s'
                                  % (req.application_url.rstrip('/'),
                                     '/%s' % project if project else '',
                                     '/detail' if view is _detail else '',
                                     '&'.join('%s=%s' % p for p in params))}]
    return body


# Handlers ------------------------------------------------------------------

def index(req):
    return _list(req, _basic)


def detail(req):
    return _list(req, _detail)


def show(req, flavor_id):
    return {'flavor': _detail(req, _get(req, flavor_id))}


def _as_int(value, name, minimum):
    number = int(value)
    if not minimum <= number <= schema.MAX_INT:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid input for field/attribute %s. Value: %s. '
                        'must be an integer between %d and %d'
                        % (name, value, minimum, schema.MAX_INT))
    return number


@validation.schema(schema.create)
def create(req, body):
    context = req.context
    policy.authorize(context, _P + 'os-flavor-manage:create', {})
    spec = body['flavor']
    flavorid = spec.get('id')
    flavor = objects.Flavor(
        context,
        name=spec['name'].strip(),
        flavorid=(str(flavorid) if flavorid is not None
                  else uuidutils.generate_uuid()),
        memory_mb=_as_int(spec['ram'], 'ram', 1),
        vcpus=_as_int(spec['vcpus'], 'vcpus', 1),
        root_gb=_as_int(spec['disk'], 'disk', 0),
        ephemeral_gb=_as_int(spec.get('OS-FLV-EXT-DATA:ephemeral', 0),
                             'OS-FLV-EXT-DATA:ephemeral', 0),
        swap=_as_int(spec.get('swap', 0), 'swap', 0),
        rxtx_factor=float(spec.get('rxtx_factor', 1.0)),
        is_public=spec.get('os-flavor-access:is_public', True),
        disabled=False)
    try:
        flavor.create()
    except (exception.FlavorExists, exception.FlavorIdExists) as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    return {'flavor': _detail(req, flavor)}


@wsgi.response(202)
def delete(req, flavor_id):
    context = req.context
    policy.authorize(context, _P + 'os-flavor-manage:delete', {})
    try:
        objects.Flavor.get_by_flavor_id(context, flavor_id).destroy()
    except exception.FlavorNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())


# Access ----------------------------------------------------------------------

def _access_list(flavor):
    return {'flavor_access': [{'flavor_id': flavor.flavorid,
                               'tenant_id': project_id}
                              for project_id in flavor.projects]}


def access_index(req, flavor_id):
    policy.authorize(req.context, _P + 'os-flavor-access', {})
    flavor = _get(req, flavor_id)
    if flavor.is_public:
        raise webob.exc.HTTPNotFound(
            explanation='Access list not available for public flavors.')
    return _access_list(flavor)


@validation.schema(schema.action)
def action(req, flavor_id, body):
    context = req.context
    name, args = next(iter(body.items()))
    if name == 'addTenantAccess':
        policy.authorize(context,
                         _P + 'os-flavor-access:add_tenant_access', {})
        flavor = _get(req, flavor_id)
        if flavor.is_public and req.api_version.matches('2.7'):
            raise webob.exc.HTTPConflict(
                explanation='Can not add access to a public flavor.')
        try:
            flavor.add_access(args['tenant'])
        except exception.FlavorAccessExists as exc:
            raise webob.exc.HTTPConflict(explanation=exc.format_message())
    else:
        policy.authorize(context,
                         _P + 'os-flavor-access:remove_tenant_access', {})
        flavor = _get(req, flavor_id)
        try:
            flavor.remove_access(args['tenant'])
        except exception.FlavorAccessNotFound as exc:
            raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    return _access_list(flavor)


# Extra specs -----------------------------------------------------------------

def _specs_target(req):
    return {'project_id': req.context.project_id}


def extra_specs_index(req, flavor_id):
    policy.authorize(req.context, _P + 'os-flavor-extra-specs:index',
                     _specs_target(req))
    return {'extra_specs': dict(_get(req, flavor_id).extra_specs)}


def extra_spec_show(req, flavor_id, key):
    policy.authorize(req.context, _P + 'os-flavor-extra-specs:show',
                     _specs_target(req))
    specs = _get(req, flavor_id).extra_specs
    if key not in specs:
        raise webob.exc.HTTPNotFound(
            explanation='Flavor %s has no extra specs with key %s.'
                        % (flavor_id, key))
    return {key: specs[key]}


def _as_strings(specs):
    return {key: (str(value).lower() if isinstance(value, bool)
                  else str(value)) for key, value in specs.items()}


@validation.schema(schema.extra_specs_create)
def extra_specs_create(req, flavor_id, body):
    policy.authorize(req.context, _P + 'os-flavor-extra-specs:create', {})
    flavor = _get(req, flavor_id)
    specs = _as_strings(body['extra_specs'])
    flavor.extra_specs = dict(flavor.extra_specs, **specs)
    flavor.save()
    return {'extra_specs': specs}


@validation.schema(schema.extra_spec_update)
def extra_spec_update(req, flavor_id, key, body):
    policy.authorize(req.context, _P + 'os-flavor-extra-specs:update', {})
    if key not in body:
        raise webob.exc.HTTPBadRequest(
            explanation='Request body and URI mismatch')
    flavor = _get(req, flavor_id)
    specs = _as_strings(body)
    flavor.extra_specs = dict(flavor.extra_specs, **specs)
    flavor.save()
    return specs


def extra_spec_delete(req, flavor_id, key):
    policy.authorize(req.context, _P + 'os-flavor-extra-specs:delete', {})
    flavor = _get(req, flavor_id)
    if key not in flavor.extra_specs:
        raise webob.exc.HTTPNotFound(
            explanation='Flavor %s has no extra specs with key %s.'
                        % (flavor_id, key))
    specs = dict(flavor.extra_specs)
    del specs[key]
    flavor.extra_specs = specs
    flavor.save()
    return wsgi.json_response(None, status=200)
