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
    cache = getattr(instance, 'info_cache', None)
    if cache is None:
        return []
    if isinstance(cache, list):
        return cache
    return getattr(cache, 'network_info', None) or []


def basic(req, instance):
    return {'id': instance.uuid, 'name': instance.display_name or '',
            'links': common.links(req, 'servers', instance.uuid)}


def _image(req, instance):
    if not instance.image_ref:
        return ''  # booted from a volume
    return {'id': instance.image_ref,
            'links': [{'rel': 'bookmark', 'href': '%s/images/%s' % (
                common.bookmark_prefix(req), instance.image_ref)}]}


def _flavor(req, instance):
    # Only the flavorid is shown: read it without building the flavor.
    flavorid = (instance.system_metadata or {}).get(
        'instance_type_flavorid')
    if flavorid is None:
        flavor = instance.flavor
        if flavor is None:
            return {}
        flavorid = flavor.flavorid
    return {'id': str(flavorid),
            'links': [{'rel': 'bookmark', 'href': '%s/flavors/%s' % (
                common.bookmark_prefix(req), flavorid)}]}


def _fault(req, instance, status):
    fault = getattr(instance, 'fault', None)
    if fault is None or status not in ('ERROR', 'DELETED'):
        return None
    body = {'code': fault.code, 'created': common.isotime(fault.created_at),
            'message': fault.message}
    # Tracebacks only for administrators, or when it was not our bug.
    if fault.details and (req.context.is_admin or fault.code != 500):
        body['details'] = fault.details
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


def detail(req, instance, host_status=None):
    """The full server document (GET /servers/{id}, /servers/detail)."""
    server = common_view(req, instance, extended=True)
    if _is_admin(req) and req.api_version.matches('2.16') and (
            host_status is not None):
        server['host_status'] = host_status
    return server


def common_view(req, instance, extended=False):
    """The server document; without ``extended`` only the common fields
    (what PUT /servers/{id} and rebuild answer, as in Nova)."""
    version = req.api_version
    status = states.status_from_state(instance.vm_state, instance.task_state)
    server = {
        'id': instance.uuid,
        'name': instance.display_name or '',
        'status': status,
        'tenant_id': instance.project_id,
        'user_id': instance.user_id,
        'metadata': dict(instance.metadata or {}),
        'hostId': common.host_id(instance.project_id, instance.host),
        'image': _image(req, instance),
        'flavor': _flavor(req, instance),
        'created': common.isotime(instance.created_at),
        'updated': common.isotime(instance.updated_at or
                                  instance.created_at),
        'addresses': addresses(_network_info(instance), detail=extended),
        'accessIPv4': _optional(instance, 'access_ip_v4') or '',
        'accessIPv6': _optional(instance, 'access_ip_v6') or '',
        'links': common.links(req, 'servers', instance.uuid),
        'OS-DCF:diskConfig': 'MANUAL',
    }
    if status in common.PROGRESS_STATUSES:
        server['progress'] = instance.progress or 0
    fault = _fault(req, instance, status)
    if fault is not None:
        server['fault'] = fault
    if version.matches('2.9'):
        server['locked'] = bool(instance.locked)
    if version.matches('2.19'):
        server['description'] = instance.display_description
    if version.matches('2.26'):
        server['tags'] = list(instance.tags or [])
    if not extended:
        return server
    server.update({
        'key_name': instance.key_name,
        'security_groups': [{'name': name} for name in
                            (instance.security_groups or ['default'])],
        'OS-SRV-USG:launched_at': _usage_time(instance.launched_at),
        'OS-SRV-USG:terminated_at': _usage_time(instance.terminated_at),
        'OS-EXT-AZ:availability_zone': instance.availability_zone or '',
        'OS-EXT-STS:task_state': instance.task_state,
        'OS-EXT-STS:vm_state': instance.vm_state,
        'OS-EXT-STS:power_state': instance.power_state or 0,
        'config_drive': 'True' if instance.config_drive else '',
        'os-extended-volumes:volumes_attached': [],
    })
    if _is_admin(req):
        server.update({
            'OS-EXT-SRV-ATTR:host': instance.host,
            'OS-EXT-SRV-ATTR:hypervisor_hostname': instance.node,
            'OS-EXT-SRV-ATTR:instance_name': instance_name(instance),
        })
        if version.matches('2.3'):
            server.update({
                'OS-EXT-SRV-ATTR:reservation_id': instance.reservation_id,
                'OS-EXT-SRV-ATTR:launch_index': instance.launch_index or 0,
                'OS-EXT-SRV-ATTR:kernel_id': instance.kernel_id or '',
                'OS-EXT-SRV-ATTR:ramdisk_id': instance.ramdisk_id or '',
                'OS-EXT-SRV-ATTR:hostname': instance.hostname or '',
                'OS-EXT-SRV-ATTR:root_device_name':
                    instance.root_device_name,
                'OS-EXT-SRV-ATTR:user_data': instance.user_data,
            })
    return server


def _optional(instance, name):
    try:
        return getattr(instance, name)
    except (AttributeError, NotImplementedError):
        return None


def _usage_time(value):
    # OS-SRV-USG shows times without a zone, microseconds included.
    if value is None:
        return None
    return value.replace(tzinfo=None).isoformat()


def instance_name(instance):
    """The hypervisor's name of the guest: instance-%08x of the row id."""
    return 'instance-%08x' % instance.id
