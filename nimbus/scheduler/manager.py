"""nimbus-scheduler: picks hosts for new instances."""

import oslo_messaging as messaging

from nimbus import manager


class SchedulerManager(manager.Manager):
    target = messaging.Target(version='1.0')
    service_name = 'scheduler'
