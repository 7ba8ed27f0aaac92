"""Client side of the compute RPC API."""

from nimbus import rpc

RPC_TOPIC = 'compute'


class ComputeAPI(rpc.ClientBase):
    """Client side of the compute RPC API.

    API version history:

    * 1.0 - Initial version (the service, its topic and its resource
            reports; instance operations arrive with the compute manager).
    """

    TOPIC = RPC_TOPIC
    BASE_VERSION = '1.0'
    UPGRADE_LEVEL = 'compute'
    VERSION_ALIASES = {'grizzly': '1.0'}
