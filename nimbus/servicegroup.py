"""Is a service up?  Decided from its heartbeat age in the services table."""

from oslo_utils import timeutils

from nimbus.conf import CONF


def last_heartbeat(service):
    """When the service last reported: last_seen_up, else its row times."""
    for name in ('last_seen_up', 'updated_at', 'created_at'):
        value = service.get(name) if isinstance(service, dict) else (
            getattr(service, name) if service.obj_attr_is_set(name) else None)
        if value is not None:
            return timeutils.normalize_time(value)
    return None


def service_is_up(service, now=None):
    """True when the last heartbeat is younger than service_down_time."""
    forced = (service.get('forced_down') if isinstance(service, dict)
              else service.forced_down)
    if forced:
        return False
    last = last_heartbeat(service)
    if last is None:
        return False
    now = timeutils.normalize_time(now or timeutils.utcnow())
    elapsed = (now - last).total_seconds()
    return abs(elapsed) <= CONF.service_down_time
