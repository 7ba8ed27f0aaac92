"""/servers: create, list, show, update, delete."""

import re

import webob.exc

from nimbus.api.openstack import common
from nimbus.api.openstack.compute.schemas import servers as schemas
from nimbus.api.openstack.compute import server_views as views
from nimbus.api.openstack import validation
from nimbus.api.openstack import wsgi
from nimbus.compute import api as compute_api
from nimbus import exception
from nimbus import objects
from nimbus import policy
from nimbus import servicegroup

_TRUE = ('true', '1', 'on', 'yes')

# Query parameters a project member may filter by; admins may use more.
_USER_FILTERS = ('name', 'status', 'image', 'flavor', 'changes-since', 'ip',
                 'ip6', 'reservation_id', 'tags', 'tags-any', 'not-tags',
                 'not-tags-any', 'locked', 'description')
_ADMIN_FILTERS = ('host', 'node', 'project_id', 'tenant_id', 'user_id',
                  'deleted', 'all_tenants', 'vm_state', 'task_state',
                  'uuid', 'launch_index')


# Everything a server view shows, loaded with the instance in one query
# instead of one lazy load per attribute.
VIEW_ATTRS = ['metadata', 'system_metadata', 'info_cache', 'security_groups',
              'tags', 'fault']


def _compute():
    return compute_api.API()


def get_instance(req, server_id, expected_attrs=VIEW_ATTRS):
    """The instance with ``server_id`` of the caller's project (404 when
    another project's, unless admin), with ``expected_attrs`` loaded."""
    try:
        return _compute().get(req.context, server_id,
                              expected_attrs=expected_attrs)
    except exception.InstanceNotFound:
        raise webob.exc.HTTPNotFound(
            explanation='Instance %s could not be found.' % server_id)


def _bool(value):
    return str(value).strip().lower() in _TRUE


def _search_opts(req):
    context = req.context
    opts = {}
    for key in req.GET.keys():
        if key in ('limit', 'marker', 'sort_key', 'sort_dir'):
            continue
        if key in _USER_FILTERS:
            opts[key] = req.GET.get(key)
        elif key in _ADMIN_FILTERS and context.is_admin:
            opts[key] = req.GET.get(key)
        # Unknown or admin-only filters are ignored, as Nova does.
    if not req.api_version.matches('2.26'):
        for key in ('tags', 'tags-any', 'not-tags', 'not-tags-any'):
            opts.pop(key, None)
    # ip6 was an administrator's filter until 2.5.
    if not req.api_version.matches('2.5') and not context.is_admin:
        opts.pop('ip6', None)
    for key in ('ip', 'ip6'):
        if opts.get(key):
            try:
                re.compile(opts[key])
            except re.error as exc:
                raise webob.exc.HTTPBadRequest(
                    explanation='Invalid %s regular expression: %s'
                                % (key, exc))
    if 'tenant_id' in opts:
        opts['project_id'] = opts.pop('tenant_id')
    all_tenants = opts.pop('all_tenants', None)
    if all_tenants is not None and (all_tenants == '' or _bool(all_tenants)):
        policy.authorize(context, 'os_compute_api:servers:index:'
                                  'get_all_tenants', target={})
        opts['all_tenants'] = True
    elif 'project_id' not in opts or not context.is_admin:
        opts['project_id'] = context.project_id
    if 'deleted' in opts:
        opts['deleted'] = _bool(opts['deleted'])
    if 'locked' in opts:
        opts['locked'] = _bool(opts['locked'])
    if 'changes-since' in opts:
        opts['changes-since'] = _parse_time(opts['changes-since'])
    return opts


def _parse_time(value):
    from oslo_utils import timeutils
    try:
        return timeutils.normalize_time(timeutils.parse_isotime(value))
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid changes-since value: %s' % value)


def _list(req, detail):
    policy.authorize(req.context, 'os_compute_api:servers:%s'
                     % ('detail' if detail else 'index'))
    limit, marker = common.limit_and_marker(req)
    sort_keys = req.GET.getall('sort_key') or None
    sort_dirs = req.GET.getall('sort_dir') or None
    try:
        rows = _compute().get_server_rows(
            req.context, search_opts=_search_opts(req), limit=limit,
            marker=marker, sort_keys=sort_keys, sort_dirs=sort_dirs)
    except exception.MarkerNotFound:
        raise webob.exc.HTTPBadRequest(
            explanation='marker [%s] not found' % marker)
    except exception.Invalid as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    if detail:
        statuses = _host_statuses(req, rows)
        servers = [views.detail(req, row, statuses.get(row['host']))
                   for row in rows]
    else:
        servers = [views.basic(req, row) for row in rows]
    body = {'servers': servers}
    next_link = common.next_link(req, 'servers/detail' if detail else
                                 'servers', servers, limit)
    if next_link:
        body['servers_links'] = next_link
    return body


def index(req):
    return _list(req, detail=False)


def detail(req):
    return _list(req, detail=True)


def _host_statuses(req, rows):
    """{host: status} for 2.16's host_status, of the hosts of server
    rows, as Nova's API reference lists them, each later one overriding
    the earlier: UP (the compute service is up), UNKNOWN (it stopped
    reporting), DOWN (forced down), MAINTENANCE (disabled); '' when the
    server has no host, or its host no compute service."""
    if not req.api_version.matches('2.16'):
        return {}
    try:
        policy.authorize(req.context, 'os_compute_api:servers:show:'
                                      'host_status', target={})
    except exception.PolicyNotAuthorized:
        return {}
    hosts = {row['host'] for row in rows if row['host']}
    statuses = {}
    if hosts:
        services = objects.ServiceList.get_by_binary(
            req.context.elevated(), 'nimbus-compute', include_disabled=True)
        by_host = {s.host: s for s in services}
        for host in hosts:
            service = by_host.get(host)
            if service is None:
                statuses[host] = ''
            elif service.disabled:
                statuses[host] = 'MAINTENANCE'
            elif service.forced_down:
                statuses[host] = 'DOWN'
            elif servicegroup.service_is_up(service):
                statuses[host] = 'UP'
            else:
                statuses[host] = 'UNKNOWN'
    statuses[None] = ''
    return statuses


def show(req, server_id):
    policy.authorize(req.context, 'os_compute_api:servers:show')
    try:
        row = _compute().get_server_row(req.context, server_id)
    except exception.InstanceNotFound:
        raise webob.exc.HTTPNotFound(
            explanation='Instance %s could not be found.' % server_id)
    statuses = _host_statuses(req, [row])
    return {'server': views.detail(req, row, statuses.get(row['host']))}


def _refuse_device_tags(server):
    """Device tags (2.32) reach a guest through the metadata's device list,
    which needs the devices' bus addresses from the compute driver; no
    nimbus driver gives them.  Nova fails such a build on a host whose
    driver cannot tag devices; here it is refused before anything is
    made, rather than booted with the tags silently dropped."""
    networks = server.get('networks')
    tagged = [net for net in networks or [] if isinstance(net, dict)
              and 'tag' in net] if not isinstance(networks, str) else []
    tagged += [bdm for bdm in server.get('block_device_mapping_v2') or []
               if 'tag' in bdm]
    if tagged:
        raise webob.exc.HTTPBadRequest(
            explanation='Device tags are not supported: no compute driver '
                        'of this cloud can expose tagged devices to the '
                        'guest.')


def _networks(req, server):
    networks = server.get('networks')
    if networks is None:
        return None
    if isinstance(networks, str):
        return networks  # 'auto' or 'none' (2.37)
    requested = []
    for net in networks:
        if net.get('port'):
            raise webob.exc.HTTPBadRequest(
                explanation='Ports are a Neutron concept; nimbus-network '
                            'attaches servers to networks by uuid.')
        if not net.get('uuid'):
            raise webob.exc.HTTPBadRequest(
                explanation='Bad networks format: network uuid is missing')
        requested.append({'uuid': net['uuid'],
                          'fixed_ip': net.get('fixed_ip')})
    return requested


def _image_ref(server):
    """The image to boot: imageRef, or a bdm_v2 image → local boot entry."""
    image_ref = server.get('imageRef') or ''
    bdms = server.get('block_device_mapping_v2') or []
    for bdm in bdms:
        boot = str(bdm.get('boot_index', ''))
        if bdm.get('source_type') == 'image' and boot == '0':
            if bdm.get('destination_type', 'local') != 'local':
                raise webob.exc.HTTPBadRequest(
                    explanation='Booting from a volume is not supported '
                                'yet: use destination_type local.')
            if image_ref and image_ref != bdm.get('uuid'):
                raise webob.exc.HTTPBadRequest(
                    explanation='imageRef and the boot block device '
                                'mapping name different images.')
            image_ref = bdm.get('uuid')
        elif bdm.get('source_type') in ('volume', 'snapshot', 'blank') or (
                bdm.get('destination_type') == 'volume'):
            raise webob.exc.HTTPBadRequest(
                explanation='Volumes in block_device_mapping_v2 are not '
                            'supported yet.')
    if not image_ref:
        raise webob.exc.HTTPBadRequest(explanation='Missing imageRef '
                                                   'attribute')
    return image_ref


def _hints(body):
    hints = dict(body.get('os:scheduler_hints') or
                 body.get('OS-SCH-HNT:scheduler_hints') or {})
    for key in ('same_host', 'different_host'):
        if isinstance(hints.get(key), str):
            hints[key] = [hints[key]]
    return hints


def _count(server, key):
    value = server.get(key)
    return None if value is None else int(value)


@wsgi.response(202)
@validation.schema(schemas.create, '2.1', '2.18')
@validation.schema(schemas.create_v219, '2.19', '2.31')
@validation.schema(schemas.create_v232, '2.32', '2.36')
@validation.schema(schemas.create_v237, '2.37')
def create(req, body):
    context = req.context
    policy.authorize(context, 'os_compute_api:servers:create')
    server = body['server']
    min_count = _count(server, 'min_count') or 1
    max_count = _count(server, 'max_count') or min_count
    if min_count > max_count:
        raise webob.exc.HTTPBadRequest(
            explanation='min_count must be <= max_count')
    availability_zone = server.get('availability_zone')
    if availability_zone and ':' in availability_zone:
        policy.authorize(context, 'os_compute_api:servers:create:'
                                  'forced_host', target={})
    try:
        flavor = objects.Flavor.get_by_flavor_id_cached(
            context, str(server['flavorRef']))
    except exception.NotFound:
        raise webob.exc.HTTPBadRequest(
            explanation='Flavor %s could not be found.' %
                        server['flavorRef'])
    security_groups = [sg['name'] for sg in
                       server.get('security_groups') or []] or ['default']
    _refuse_device_tags(server)
    try:
        instances, reservation_id = _compute().create(
            context, flavor, _image_ref(server),
            display_name=server['name'],
            display_description=server.get('description'),
            min_count=min_count, max_count=max_count,
            key_name=server.get('key_name'),
            user_data=server.get('user_data'),
            metadata=server.get('metadata') or {},
            security_groups=security_groups,
            availability_zone=availability_zone,
            requested_networks=_networks(req, server),
            scheduler_hints=_hints(body),
            config_drive=_bool(server.get('config_drive', False)),
            access_ip_v4=server.get('accessIPv4'),
            access_ip_v6=server.get('accessIPv6'),
            admin_password=server.get('adminPass'))
    except exception.OverQuota as exc:
        raise webob.exc.HTTPForbidden(explanation=exc.format_message())
    except (exception.NotFound, exception.Invalid) as exc:
        # A missing image, key pair or network is the request's fault.
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    if _bool(server.get('return_reservation_id', False)):
        return {'reservation_id': reservation_id}
    first = instances[0]
    resp = wsgi.json_response({'server': {
        'id': first.uuid,
        'links': common.links(req, 'servers', first.uuid),
        'OS-DCF:diskConfig': 'MANUAL',
        'security_groups': [{'name': n} for n in security_groups],
        'adminPass': server.get('adminPass') or _password(),
    }}, status=202)
    resp.headers['Location'] = common.links(req, 'servers',
                                            first.uuid)[0]['href']
    return resp


def _password(length=12):
    import secrets
    import string
    alphabet = string.ascii_letters + string.digits
    return ''.join(secrets.choice(alphabet) for _ in range(length))


@validation.schema(schemas.update, '2.1', '2.18')
@validation.schema(schemas.update_v219, '2.19')
def update(req, server_id, body):
    context = req.context
    instance = get_instance(req, server_id)
    policy.authorize(context, 'os_compute_api:servers:update',
                     target={'project_id': instance.project_id,
                             'user_id': instance.user_id})
    values = {}
    server = body['server']
    if 'name' in server:
        values['display_name'] = server['name']
    if 'description' in server:
        values['display_description'] = server['description']
    if 'accessIPv4' in server:
        values['access_ip_v4'] = server['accessIPv4']
    if 'accessIPv6' in server:
        values['access_ip_v6'] = server['accessIPv6']
    instance = _compute().update(context, instance, **values)
    return {'server': views.common_view(req, instance.server_row())}


# What a delete reads: the compute host unplugs the network of the info
# cache (system_metadata, with the flavor, is always loaded).
DELETE_ATTRS = ['info_cache']


@wsgi.response(204)
def delete(req, server_id):
    context = req.context
    instance = get_instance(req, server_id, expected_attrs=DELETE_ATTRS)
    policy.authorize(context, 'os_compute_api:servers:delete',
                     target={'project_id': instance.project_id,
                             'user_id': instance.user_id})
    _compute().delete(context, instance)
