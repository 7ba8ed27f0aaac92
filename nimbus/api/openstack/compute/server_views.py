"""How a server looks in the Compute API, per microversion."""

from nimbus.api.openstack import common
from nimbus.compute import states
from nimbus import policy


def addresses(network_info, detail=True):
    """{network label: [{version, addr, OS-EXT-IPS:*}]} from network_info."""
    result = {}
    for vif in network_info or []:
        network = vif.get('network') or {}
        label = network.get('label') or 'private'
        entries = result.setdefault(label, [])
        for subnet in network.get('subnets') or []:
            for ip in subnet.get('ips') or []:
                entries.append(_address(ip['address'], ip.get('version', 4),
                                        'fixed', vif.get('address'), detail))
                for floating in ip.get('floating_ips') or []:
                    entries.append(_address(floating['address'],
                                            floating.get('version', 4),
                                            'floating', vif.get('address'),
                                            detail))
    return result


def _address(addr, version, kind, mac, detail):
    entry = {'version': version, 'addr': addr}
    if detail:
        entry['OS-EXT-IPS:type'] = kind
        entry['OS-EXT-IPS-MAC:mac_addr'] = mac
    return entry


def _network_info(instance):
    """The network info of an Instance object (its info cache's)."""
    cache = getattr(instance, 'info_cache', None)
    if cache is None:
        return []
    if isinstance(cache, list):
        return cache
    return getattr(cache, 'network_info', None) or []


def basic(req, server):
    """The id, name and links of a server row."""
    return {'id': server['uuid'], 'name': server['display_name'] or '',
            'links': common.links(req, 'servers', server['uuid'])}


class _Prefixes:
    """The URLs of a request's links, worked out once per request (a page
    of servers has four links per server)."""

    def __init__(self, req):
        project = common.project_in_url(req)
        middle = ('/%s' % project) if project else ''
        bookmark = common.bookmark_prefix(req)
        self.self_servers = '%s%s/servers/' % (common.url_prefix(req),
                                               middle)
        self.bookmark_servers = '%s%s/servers/' % (bookmark, middle)
        self.images = '%s/images/' % bookmark
        self.flavors = '%s/flavors/' % bookmark


_PREFIXES_KEY = 'nimbus.servers.link_prefixes'


def _prefixes(req):
    prefixes = req.environ.get(_PREFIXES_KEY)
    if prefixes is None:
        prefixes = req.environ[_PREFIXES_KEY] = _Prefixes(req)
    return prefixes


def _links(prefixes, uuid):
    return [{'rel': 'self', 'href': prefixes.self_servers + uuid},
            {'rel': 'bookmark', 'href': prefixes.bookmark_servers + uuid}]


def _image(prefixes, server):
    image_ref = server['image_ref']
    if not image_ref:
        return ''  # booted from a volume
    return {'id': image_ref,
            'links': [{'rel': 'bookmark',
                       'href': prefixes.images + image_ref}]}


def _flavor(prefixes, server):
    flavorid = server['flavorid']
    if flavorid is None:
        return {}
    return {'id': flavorid,
            'links': [{'rel': 'bookmark',
                       'href': prefixes.flavors + flavorid}]}


def _fault(req, server, status):
    fault = server['fault']
    if fault is None or status not in ('ERROR', 'DELETED'):
        return None
    body = {'code': fault['code'],
            'created': common.isotime(fault['created_at']),
            'message': fault['message']}
    # Tracebacks only for administrators, or when it was not our bug.
    if fault['details'] and (req.context.is_admin or fault['code'] != 500):
        body['details'] = fault['details']
    return body


_IS_ADMIN_KEY = 'nimbus.servers.extended_attributes'


def _is_admin(req):
    # Asked once per request: /servers/detail would ask twice per server.
    allowed = req.environ.get(_IS_ADMIN_KEY)
    if allowed is None:
        try:
            policy.authorize(req.context, 'os_compute_api:servers:show:'
                                          'extended_attributes', target={})
            allowed = True
        except Exception:
            allowed = False
        req.environ[_IS_ADMIN_KEY] = allowed
    return allowed


def detail(req, server, host_status=None):
    """The full server document (GET /servers/{id}, /servers/detail) of
    a server row (nimbus.db.api.server_view)."""
    view = common_view(req, server, extended=True)
    if _is_admin(req) and req.api_version.matches('2.16') and (
            host_status is not None):
        view['host_status'] = host_status
    return view


def common_view(req, server, extended=False):
    """The server document of a server row; without ``extended`` only
    the common fields (what PUT /servers/{id} and rebuild answer, as in
    Nova)."""
    version = req.api_version
    prefixes = _prefixes(req)
    uuid = server['uuid']
    status = states.status_from_state(server['vm_state'],
                                      server['task_state'])
    created = common.isotime(server['created_at'])
    updated = server['updated_at']
    view = {
        'id': uuid,
        'name': server['display_name'] or '',
        'status': status,
        'tenant_id': server['project_id'],
        'user_id': server['user_id'],
        'metadata': server['metadata'],
        'hostId': common.host_id(server['project_id'], server['host']),
        'image': _image(prefixes, server),
        'flavor': _flavor(prefixes, server),
        'created': created,
        'updated': created if updated is None else common.isotime(updated),
        'addresses': addresses(server['network_info'], detail=extended),
        'accessIPv4': server['access_ip_v4'] or '',
        'accessIPv6': server['access_ip_v6'] or '',
        'links': _links(prefixes, uuid),
        'OS-DCF:diskConfig': 'MANUAL',
    }
    if status in common.PROGRESS_STATUSES:
        view['progress'] = server['progress'] or 0
    if server['fault'] is not None:
        fault = _fault(req, server, status)
        if fault is not None:
            view['fault'] = fault
    if version.matches('2.9'):
        view['locked'] = bool(server['locked'])
    if version.matches('2.19'):
        view['description'] = server['display_description']
    if version.matches('2.26'):
        view['tags'] = list(server['tags'])
    if not extended:
        return view
    view.update({
        'key_name': server['key_name'],
        'security_groups': [{'name': name} for name in
                            (server['security_groups'] or ['default'])],
        'OS-SRV-USG:launched_at': _usage_time(server['launched_at']),
        'OS-SRV-USG:terminated_at': _usage_time(server['terminated_at']),
        'OS-EXT-AZ:availability_zone': server['availability_zone'] or '',
        'OS-EXT-STS:task_state': server['task_state'],
        'OS-EXT-STS:vm_state': server['vm_state'],
        'OS-EXT-STS:power_state': server['power_state'] or 0,
        'config_drive': 'True' if server['config_drive'] else '',
        'os-extended-volumes:volumes_attached': [],
    })
    if _is_admin(req):
        view.update({
            'OS-EXT-SRV-ATTR:host': server['host'],
            'OS-EXT-SRV-ATTR:hypervisor_hostname': server['node'],
            'OS-EXT-SRV-ATTR:instance_name': instance_name(server['id']),
        })
        if version.matches('2.3'):
            view.update({
                'OS-EXT-SRV-ATTR:reservation_id': server['reservation_id'],
                'OS-EXT-SRV-ATTR:launch_index': server['launch_index'] or 0,
                'OS-EXT-SRV-ATTR:kernel_id': server['kernel_id'] or '',
                'OS-EXT-SRV-ATTR:ramdisk_id': server['ramdisk_id'] or '',
                'OS-EXT-SRV-ATTR:hostname': server['hostname'] or '',
                'OS-EXT-SRV-ATTR:root_device_name':
                    server['root_device_name'],
                'OS-EXT-SRV-ATTR:user_data': server['user_data'],
            })
    return view


def _usage_time(value):
    # OS-SRV-USG shows times without a zone, microseconds included.
    if value is None:
        return None
    return value.replace(tzinfo=None).isoformat()


def instance_name(instance_id):
    """The hypervisor's name of the guest: instance-%08x of the row id."""
    return 'instance-%08x' % instance_id
