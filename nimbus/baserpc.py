"""RPC methods every service answers, whatever its manager: ping."""

import oslo_messaging as messaging

from nimbus import rpc

_NAMESPACE = 'baseapi'


class BaseAPI(rpc.ClientBase):
    """Client side of the base RPC API, addressed by topic.

    API version history:

    * 1.0 - Initial version: ping.
    """

    BASE_VERSION = '1.0'

    def __init__(self, topic, timeout=None):
        self.TOPIC = topic
        self.version_cap = None
        target = messaging.Target(topic=topic, version=self.BASE_VERSION,
                                  namespace=_NAMESPACE)
        self.client = rpc.get_client(target, timeout=timeout)

    def ping(self, context, arg, host=None, timeout=None):
        """Round-trip to one service of the topic (``host`` picks which)."""
        cctxt = self.client.prepare(server=host, timeout=timeout)
        return cctxt.call(context, 'ping', arg=arg)


class BaseRPCAPI:
    """Server side of the base RPC API."""

    target = messaging.Target(namespace=_NAMESPACE, version='1.0')

    def __init__(self, binary, host):
        self.binary = binary
        self.host = host

    def ping(self, context, arg):
        return {'service': self.binary, 'host': self.host, 'arg': arg}
