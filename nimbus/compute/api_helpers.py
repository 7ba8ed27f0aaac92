"""Helpers shared by the instance API's modules (nimbus.compute.api,
api_create, api_actions): the lock check, names, option fallbacks."""

import re

from nimbus.conf import CONF
from nimbus import exception

MAX_USERDATA_SIZE = 65535
_HOSTNAME_BAD = re.compile(r'[^\w.-]+')

REBOOT_SOFT = 'SOFT'
REBOOT_HARD = 'HARD'


def _conf(name, default=None, group=None):
    """An option that another module registers, with a fallback."""
    try:
        section = getattr(CONF, group) if group else CONF
        return getattr(section, name)
    except Exception:
        return default


def check_instance_lock(fn):
    """Refuse the action on a locked instance unless the caller is an
    admin (InstanceIsLocked, 409)."""
    def wrapper(self, context, instance, *args, **kwargs):
        if instance.locked and not context.is_admin:
            raise exception.InstanceIsLocked(instance_uuid=instance.uuid)
        return fn(self, context, instance, *args, **kwargs)
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


def _hostname(display_name, uuid):
    name = _HOSTNAME_BAD.sub('-', (display_name or '').lower()).strip('-.')
    return (name or 'server-%s' % uuid)[:63]


def _generate_password(length=12):
    import secrets
    import string
    alphabet = string.ascii_letters + string.digits
    return ''.join(secrets.choice(alphabet) for _ in range(length))


def _image_properties(image):
    return dict(image.get('properties') or {}) if image else {}
