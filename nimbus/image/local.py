"""Image reads without HTTP where the image API is served by this process.

nimbus-api serves the image API beside the Compute API, and the Compute
API asks the image service about the image of every boot.  When
``[glance] api_servers`` names a listener of this very process, that
question is answered here by the image API's own code -- the same policy
rule (``get_image``), the same visibility (another project's private image
is ImageNotFound), the same database, and the image in the shape the
HTTP client (nimbus.image.glance) gives -- instead of by an HTTP request
to ourselves.  Any other image service (another host, a real Glance) is
asked over HTTP as before.
"""

import functools
import socket
import urllib.parse

from nimbus.conf import CONF
from nimbus import exception
from nimbus.image import access
from nimbus.image import glance
from nimbus.image import views
from nimbus import wsgi

_WILDCARDS = ('', '0.0.0.0', '::')
_LOOPBACK_NAMES = ('localhost', 'localhost.localdomain', 'ip6-localhost')


def _is_loopback(host):
    return (host in _LOOPBACK_NAMES or host == '::1' or
            host.startswith('127.'))


@functools.lru_cache(maxsize=None)
def _own_names(conf_host):
    names = {socket.gethostname(), conf_host}
    try:
        names.add(socket.getfqdn())
    except OSError:  # pragma: no cover - a broken resolver
        pass
    return {name.lower() for name in names if name}


@functools.lru_cache(maxsize=64)
def _serves(url, listeners, conf_host):
    parsed = urllib.parse.urlsplit(url)
    host = (parsed.hostname or '').lower()
    try:
        port = parsed.port or (443 if parsed.scheme == 'https' else 80)
    except ValueError:
        return False
    if parsed.scheme != 'http':
        return False  # our listener speaks plain HTTP only
    for listen_host, listen_port in listeners:
        if port != listen_port:
            continue
        if listen_host in _WILDCARDS:
            if _is_loopback(host) or host in _own_names(conf_host):
                return True
        elif host == listen_host.lower() or (
                _is_loopback(host) and _is_loopback(listen_host)):
            return True
    return False


def serves(servers=None):
    """Whether the image service the clients of this process use
    (``servers``, else ``[glance] api_servers``) is served by this process:
    one of its URLs is a listener of ours (the others are copies of the
    same service on the same database)."""
    listeners = wsgi.listening('image')
    if not listeners:
        return False
    servers = servers if servers is not None else CONF.glance.api_servers
    listeners = tuple(sorted(listeners))
    return any(_serves(url, listeners, CONF.host) for url in servers)


def get(context, image_id):
    """The image as nimbus.image.glance.API.get returns it, with the errors
    it raises: ImageNotFound (unknown, deleted, or not visible to the
    caller), ImageNotAuthorized (the get_image rule says no)."""
    try:
        access.authorize_read(context, 'get_image')
    except exception.PolicyNotAuthorized as error:
        # Worded as the client words the image API's 403.
        raise exception.ImageNotAuthorized(
            'Not authorized for image %s: %s' % (image_id,
                                                 error.format_message()),
            image_id=image_id)
    image = access.get_visible(context, str(image_id))
    # The document the API would send, read as the client reads it.
    return glance.from_glance(views.image(image))
