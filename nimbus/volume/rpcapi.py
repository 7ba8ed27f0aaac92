"""Client side of the volume RPC API."""

from nimbus import rpc

RPC_TOPIC = 'volume'


class VolumeAPI(rpc.ClientBase):
    """Client side of the volume RPC API.

    API version history:

    * 1.0 - Initial version (the service and its topic; volume operations
            arrive with the LVM driver).
    """

    TOPIC = RPC_TOPIC
    BASE_VERSION = '1.0'
    UPGRADE_LEVEL = 'volume'
    VERSION_ALIASES = {'grizzly': '1.0'}
