"""/v2/images and /v2/images/{image_id}: create, list, show, update,
delete, deactivate, reactivate."""

import json
import urllib.parse

import webob.exc

from nimbus.api.openstack import validation
from nimbus.api.openstack import wsgi
from nimbus.conf import CONF
from nimbus.db.api import image as image_db
from nimbus import exception
from nimbus.image import access
from nimbus.image import schemas
from nimbus.image import store
from nimbus.image import views


def _forbid_read_only(names):
    for name in names:
        if name in schemas.READ_ONLY:
            raise webob.exc.HTTPForbidden(
                explanation="Attribute '%s' is read-only." % name)
        if name in schemas.RESERVED:
            raise webob.exc.HTTPForbidden(
                explanation="Attribute '%s' is reserved." % name)


def _validate_image_document(document):
    validation.validate(schemas.request_schema(), document)
    for name in document:
        if not 0 < len(name) <= 255:
            raise webob.exc.HTTPBadRequest(
                explanation='Property names must be 1 to 255 characters.')


def _check_owner_change(context, owner):
    if owner != context.project_id and not context.is_admin:
        raise webob.exc.HTTPForbidden(
            explanation='Only an administrator may set the owner of an '
                        'image to another project.')


def _split_document(document):
    """Column values and extra properties of a validated document."""
    values = {key: document[key] for key in schemas.BASE_ATTRIBUTES
              if key in document}
    if 'tags' in values:
        values['tags'] = sorted(set(values['tags']))
    # A null extra property (kernel_id: null) is no property.
    properties = {key: value for key, value in document.items()
                  if key not in schemas.BASE_ATTRIBUTES and value is not None}
    return values, properties


def create(req):
    context = req.context
    access.authorize_read(context, 'add_image')
    document = req.json_body()
    _forbid_read_only(document)
    _validate_image_document(document)
    values, properties = _split_document(document)
    values.setdefault('visibility', 'shared')
    access.authorize_visibility(context, values['visibility'])
    values.setdefault('owner', context.project_id)
    _check_owner_change(context, values['owner'])
    values.update(status='queued', properties=properties)
    image = image_db.image_create(context, values)
    view = views.image(image)
    return wsgi.json_response(view, status=201,
                              headers={'Location': view['self']})


# Filters that take Glance's "in:a,b" operator.
_IN_FILTERS = ('id', 'name', 'status', 'container_format', 'disk_format',
               'owner', 'visibility')
_NOT_FILTERS = ('limit', 'marker', 'sort_key', 'sort_dir', 'sort',
                'member_status', 'os_hidden')
_VISIBILITY_FILTERS = schemas.VISIBILITIES + ('all',)


def _bad(message):
    return webob.exc.HTTPBadRequest(explanation=message)


def _int_param(req, name, minimum=0):
    value = req.GET.get(name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise _bad('%s param must be an integer' % name)
    if number < minimum:
        raise _bad('%s param must be positive' % name)
    return number


def _filters(req):
    filters = {}
    for key in req.GET.keys():
        if key in _NOT_FILTERS:
            continue
        values = req.GET.getall(key)
        if key == 'tag':
            filters['tags'] = values
            continue
        value = values[-1]
        if key in ('size_min', 'size_max'):
            filters[key] = _int_param(req, key)
        elif key == 'protected':
            if value not in ('true', 'false'):
                raise _bad("protected must be 'true' or 'false'")
            filters[key] = value == 'true'
        elif key in ('min_ram', 'min_disk'):
            filters[key] = _int_param(req, key)
        elif key in ('created_at', 'updated_at'):
            raise _bad('Filtering on %s is not supported' % key)
        elif key in _IN_FILTERS and value.startswith('in:'):
            filters[key] = [v for v in value[3:].split(',') if v]
        else:
            filters[key] = value[3:] if value.startswith('eq:') else value
    visibility = filters.get('visibility')
    if visibility is not None and visibility not in _VISIBILITY_FILTERS:
        raise _bad('Invalid visibility value: %s' % visibility)
    return filters


def _sorting(req):
    """(sort_keys, sort_dirs) from sort_key/sort_dir or from sort."""
    if 'sort' in req.GET:
        if 'sort_key' in req.GET or 'sort_dir' in req.GET:
            raise _bad('The sort param cannot be combined with sort_key or '
                       'sort_dir')
        keys, dirs = [], []
        for item in req.GET['sort'].split(','):
            key, _, direction = item.strip().partition(':')
            keys.append(key)
            dirs.append(direction or 'desc')
    else:
        keys = req.GET.getall('sort_key') or ['created_at']
        dirs = req.GET.getall('sort_dir') or ['desc']
        if len(dirs) == 1:
            dirs = dirs * len(keys)
        elif len(dirs) != len(keys):
            raise _bad('Number of sort dirs does not match the number of '
                       'sort keys')
    for key in keys:
        if key not in image_db.SORT_KEYS:
            raise _bad('Invalid sort key: %s. It should be one of: %s'
                       % (key, ', '.join(image_db.SORT_KEYS)))
    for direction in dirs:
        if direction not in ('asc', 'desc'):
            raise _bad('Invalid sort direction: %s' % direction)
    return keys, dirs


def index(req):
    context = req.context
    access.authorize_read(context, 'get_images')
    limit = _int_param(req, 'limit')
    if limit is None:
        limit = CONF.image.limit_param_default
    limit = min(limit, CONF.image.api_limit_max)
    sort_keys, sort_dirs = _sorting(req)
    filters = _filters(req)
    marker = req.GET.get('marker')
    try:
        images = image_db.image_get_all(
            context, filters=filters, marker=marker, limit=limit,
            sort_keys=sort_keys, sort_dirs=sort_dirs)
    except exception.MarkerNotFound:
        raise _bad('marker %s could not be found.' % marker)
    if req.GET.get('os_hidden', 'false').lower() == 'true':
        # No image is hidden (os_hidden came with v2.7); the SDK asks.
        images = []
    params = [(k, v) for k, v in req.GET.items() if k != 'marker']
    query = urllib.parse.urlencode(params)
    body = {'images': [views.image(image) for image in images],
            'first': '/v2/images' + ('?' + query if query else ''),
            'schema': '/v2/schemas/images'}
    if images and len(images) == limit:
        params.append(('marker', images[-1]['id']))
        body['next'] = '/v2/images?' + urllib.parse.urlencode(params)
    return body


def show(req, image_id):
    context = req.context
    access.authorize_read(context, 'get_image')
    return views.image(access.get_visible(context, image_id))


def _pointer(path):
    return path[1:].replace('~1', '/').replace('~0', '~')


def _patch_operations(req):
    """The body as v2.1 operations [{op, path, value}]."""
    content_type = req.content_type
    if content_type not in (schemas.PATCH_V21, schemas.PATCH_V20):
        raise webob.exc.HTTPUnsupportedMediaType(
            explanation='Content type %s is not supported; send %s.'
            % (content_type or '(none)', schemas.PATCH_V21),
            headers={'Accept-Patch': ', '.join((schemas.PATCH_V21,
                                                schemas.PATCH_V20))})
    try:
        body = json.loads(req.body)
    except ValueError:
        raise _bad('Malformed request body: not valid JSON.')
    if not isinstance(body, list):
        raise _bad('A JSON patch must be a list of operations.')
    if content_type == schemas.PATCH_V20:
        converted = []
        for item in body:
            ops = ([op for op in ('add', 'replace', 'remove')
                    if isinstance(item, dict) and op in item])
            if len(ops) != 1:
                raise _bad('Each operation must name one of add, replace '
                           'or remove.')
            operation = {'op': ops[0], 'path': item[ops[0]]}
            if 'value' in item:
                operation['value'] = item['value']
            converted.append(operation)
        body = converted
    validation.validate(schemas.patch_v21, body)
    for operation in body:
        if operation['op'] != 'remove' and 'value' not in operation:
            raise _bad('Operation %s on %s needs a value.'
                       % (operation['op'], operation['path']))
    return body


def _apply_patch(image, operations):
    """The changed base attributes and properties ({name: value, or None to
    remove}); raises the HTTP error Glance answers for a bad operation."""
    changed = {}
    properties = dict(image['properties'])
    for operation in operations:
        name = _pointer(operation['path'])
        _forbid_read_only([name])
        if name == 'id':
            raise webob.exc.HTTPForbidden(
                explanation="Attribute 'id' is read-only.")
        op = operation['op']
        if name in schemas.BASE_ATTRIBUTES:
            if op == 'remove':
                raise webob.exc.HTTPForbidden(
                    explanation="Attribute '%s' cannot be removed." % name)
            changed[name] = operation['value']
        elif op == 'remove':
            if name not in properties:
                raise webob.exc.HTTPConflict(
                    explanation='Property %s does not exist.' % name)
            del properties[name]
        else:
            if op == 'replace' and name not in properties:
                raise webob.exc.HTTPConflict(
                    explanation='Property %s does not exist.' % name)
            properties[name] = operation['value']
    return changed, properties


def update(req, image_id):
    context = req.context
    image = access.get_visible(context, image_id)
    access.authorize_owner(context, 'modify_image', image)
    operations = _patch_operations(req)
    changed, properties = _apply_patch(image, operations)
    new_properties = {k: v for k, v in properties.items() if v is not None}
    _validate_image_document(dict(new_properties, **changed))
    values, _ = _split_document(changed)
    if values.get('visibility', image['visibility']) != image['visibility']:
        access.authorize_visibility(context, values['visibility'])
    if 'owner' in values and values['owner'] != image['owner']:
        _check_owner_change(context, values['owner'])
    values['properties'] = {
        name: new_properties.get(name)
        for name in set(image['properties']) | set(new_properties)
        if image['properties'].get(name) != new_properties.get(name)}
    image = image_db.image_update(context, image_id, values)
    return views.image(image)


def delete(req, image_id):
    context = req.context
    image = access.get_visible(context, image_id)
    access.authorize_owner(context, 'delete_image', image)
    if image['protected']:
        raise exception.ImageProtected(image_id=image_id)
    image = image_db.image_destroy(context, image_id)
    store.FilesystemStore().delete(image['location'])
    return None


def deactivate(req, image_id):
    context = req.context
    access.get_visible(context, image_id)
    access.authorize_read(context, 'deactivate')
    _change_status(context, image_id, 'deactivated', 'deactivate')
    return None


def reactivate(req, image_id):
    context = req.context
    access.get_visible(context, image_id)
    access.authorize_read(context, 'reactivate')
    _change_status(context, image_id, 'active', 'reactivate')
    return None


def _change_status(context, image_id, status, verb):
    try:
        image_db.image_update(context, image_id, {'status': status},
                              expected_status=('active', 'deactivated'))
    except exception.ImageConflict:
        image = image_db.image_get(context, image_id)
        raise _bad("Not allowed to %s image in status '%s'"
                   % (verb, image['status']))
