"""/os-availability-zone: the zones of the compute services; /detail
(admin) adds the internal zone of the other services, with every host and
service and whether it is up."""

from oslo_config import cfg

from nimbus.conf import CONF
from nimbus import objects
from nimbus import policy
from nimbus import servicegroup

_P = 'os_compute_api:os-availability-zone:'
INTERNAL_ZONE = 'internal'
COMPUTE_BINARY = 'nimbus-compute'


def default_zone():
    """``default_availability_zone`` (scheduler options), else 'nimbus'."""
    try:
        return CONF.default_availability_zone or 'nimbus'
    except cfg.NoSuchOptError:
        return 'nimbus'


def zone_of(service):
    """A compute service's zone; every other service is 'internal'."""
    if service.binary != COMPUTE_BINARY:
        return INTERNAL_ZONE
    return service.availability_zone or default_zone()


def isotime(value):
    return value.isoformat() if value is not None else None


def _zones(context):
    """{zone: [services]} of every live service."""
    zones = {}
    for service in objects.ServiceList.get_all(context):
        zones.setdefault(zone_of(service), []).append(service)
    return zones


def index(req):
    policy.authorize(req.context, _P + 'list', {})
    info = []
    for name, services in sorted(_zones(req.context).items()):
        if name == INTERNAL_ZONE:
            continue
        available = any(not s.disabled for s in services)
        info.append({'zoneName': name, 'zoneState': {'available': available},
                     'hosts': None})
    return {'availabilityZoneInfo': info}


def detail(req):
    policy.authorize(req.context, _P + 'detail', {})
    info = []
    for name, services in sorted(_zones(req.context).items()):
        hosts = {}
        for service in services:
            hosts.setdefault(service.host, {})[service.binary] = {
                'available': servicegroup.service_is_up(service),
                'active': not service.disabled,
                'updated_at': isotime(servicegroup.last_heartbeat(service)),
            }
        available = (True if name == INTERNAL_ZONE
                     else any(not s.disabled for s in services))
        info.append({'zoneName': name, 'zoneState': {'available': available},
                     'hosts': hosts})
    return {'availabilityZoneInfo': info}
