"""RPC plumbing shared by every service: transport, serializer, clients.

One transport per process, made from ``transport_url`` by ``init``.  The
request context travels with every message (``RequestContextSerializer``)
and payloads are versioned objects or JSON-safe data.
"""

from oslo_config import cfg
import oslo_messaging as messaging
from oslo_log import log as logging

from nimbus import context as nimbus_context
from nimbus import exception

LOG = logging.getLogger(__name__)

CONTROL_EXCHANGE = 'nimbus'

TRANSPORT = None

# Exceptions from these modules are re-raised as themselves on the caller's
# side of an RPC call (others arrive as oslo_messaging.RemoteError).
ALLOWED_EXMODS = ['nimbus.exception', 'nimbus.db.exception']


def set_defaults():
    """nimbus's control exchange; before the configuration is read."""
    messaging.set_transport_defaults(CONTROL_EXCHANGE)


def init(conf, url=None, default_url=None):
    """Create the process-wide transport.

    ``url`` overrides transport_url; ``default_url`` is used when the
    configuration sets no transport_url (nimbus-all: ``fake://``).
    """
    global TRANSPORT
    set_defaults()
    TRANSPORT = messaging.get_rpc_transport(
        conf, url=url, allowed_remote_exmods=ALLOWED_EXMODS)
    # transport_url is registered by the call above; transports connect
    # lazily, so replacing this one costs nothing.
    if url is None and default_url and _transport_url_unset(conf):
        TRANSPORT.cleanup()
        TRANSPORT = messaging.get_rpc_transport(
            conf, url=default_url, allowed_remote_exmods=ALLOWED_EXMODS)
    return TRANSPORT


def _transport_url_unset(conf):
    """True when transport_url is oslo.messaging's default, not set by the
    operator in a file, the environment or the command line."""
    location = conf.get_location('transport_url')
    return location is None or location.location == cfg.Locations.opt_default


def initialized():
    return TRANSPORT is not None


def cleanup():
    global TRANSPORT
    if TRANSPORT is not None:
        TRANSPORT.cleanup()
    TRANSPORT = None


def _transport():
    if TRANSPORT is None:
        raise RuntimeError('nimbus.rpc.init() was not called')
    return TRANSPORT


class RequestContextSerializer(messaging.Serializer):
    """Carries the request context and delegates entities to ``base``."""

    def __init__(self, base=None):
        self._base = base

    def serialize_entity(self, context, entity):
        if self._base is None:
            return entity
        return self._base.serialize_entity(context, entity)

    def deserialize_entity(self, context, entity):
        if self._base is None:
            return entity
        return self._base.deserialize_entity(context, entity)

    def serialize_context(self, context):
        return context.to_dict()

    def deserialize_context(self, context):
        return nimbus_context.RequestContext.from_dict(context)


def default_serializer():
    # Imported late: objects import rpc-free modules only, but keep the
    # dependency one-way at import time.
    from nimbus.objects import base as objects_base
    return RequestContextSerializer(objects_base.NimbusObjectSerializer())


def get_client(target, version_cap=None, serializer=None, timeout=None):
    return messaging.get_rpc_client(
        _transport(), target, version_cap=version_cap,
        serializer=serializer or default_serializer(), timeout=timeout)


def get_server(target, endpoints, serializer=None):
    return messaging.get_rpc_server(
        _transport(), target, endpoints,
        serializer=serializer or default_serializer(),
        access_policy=messaging.DefaultRPCAccessPolicy)


class ClientBase:
    """Base of every service's rpcapi client.

    Subclasses set ``TOPIC``, ``BASE_VERSION`` (the newest version this
    code sends), ``UPGRADE_LEVEL`` (their option in ``[upgrade_levels]``)
    and optionally ``VERSION_ALIASES`` (release name -> version) so that
    operators may pin by release during a rolling upgrade.
    """

    TOPIC = None
    BASE_VERSION = '1.0'
    UPGRADE_LEVEL = None
    VERSION_ALIASES = {}

    def __init__(self, conf=None, timeout=None):
        from nimbus.conf import CONF
        conf = conf or CONF
        cap = getattr(conf.upgrade_levels, self.UPGRADE_LEVEL)
        self.version_cap = self.VERSION_ALIASES.get(cap, cap)
        target = messaging.Target(topic=self.TOPIC,
                                  version=self.BASE_VERSION)
        self.client = get_client(target, version_cap=self.version_cap,
                                 timeout=timeout)

    def can_send_version(self, version):
        return self.client.can_send_version(version)

    def check_version(self, version):
        """Raise RPCPinnedToOldVersion (409) if ``version`` is over the
        cap: for a caller to refuse before it changes anything."""
        if not self.can_send_version(version):
            raise exception.RPCPinnedToOldVersion(
                version=version, service=self.UPGRADE_LEVEL,
                cap=self.version_cap)

    def prepare(self, version, server=None, **kwargs):
        """A call context for ``version``; refuses versions over the cap."""
        self.check_version(version)
        return self.client.prepare(version=version, server=server, **kwargs)
