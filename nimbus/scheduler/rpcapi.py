"""Client side of the scheduler RPC API."""

from nimbus import rpc

RPC_TOPIC = 'scheduler'


class SchedulerAPI(rpc.ClientBase):
    """Client side of the scheduler RPC API.

    API version history:

    * 1.0 - Initial version (the service and its topic; host selection
            arrives with the filter scheduler).
    """

    TOPIC = RPC_TOPIC
    BASE_VERSION = '1.0'
    UPGRADE_LEVEL = 'scheduler'
    VERSION_ALIASES = {'grizzly': '1.0'}
