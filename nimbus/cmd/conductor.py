"""nimbus-conductor: orchestration and the database proxy of compute nodes."""

from nimbus.cmd import common
from nimbus.conductor import manager


def main(argv=None):
    return common.rpc_service_main('nimbus-conductor', 'conductor',
                                   manager.ConductorManager, argv=argv)
