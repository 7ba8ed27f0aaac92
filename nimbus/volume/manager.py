"""nimbus-volume: LVM volumes exported over iSCSI."""

import oslo_messaging as messaging

from nimbus import manager


class VolumeManager(manager.Manager):
    target = messaging.Target(version='1.0')
    service_name = 'volume'
