"""nimbus-scheduler: picks hosts for new instances."""

from nimbus.cmd import common
from nimbus.scheduler import manager


def main(argv=None):
    return common.rpc_service_main('nimbus-scheduler', 'scheduler',
                                   manager.SchedulerManager, argv=argv)
