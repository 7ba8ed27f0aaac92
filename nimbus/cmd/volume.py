"""nimbus-volume: LVM volumes exported over iSCSI."""

from nimbus.cmd import common
from nimbus.volume import manager


def main(argv=None):
    return common.rpc_service_main('nimbus-volume', 'volume',
                                   manager.VolumeManager, argv=argv)
