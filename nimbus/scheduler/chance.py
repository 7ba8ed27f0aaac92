"""The chance scheduler: a random host whose compute service is enabled and
up, in the requested availability zone, not tried before for the
instance. Resources are not checked, so no limits go to the claim."""

import random

from nimbus.scheduler import driver
from nimbus.scheduler.filters import availability_zone
from nimbus.scheduler.filters import compute
from nimbus.scheduler.filters import retry


class ChanceScheduler(driver.Scheduler):
    def __init__(self, host_manager=None):
        super().__init__(host_manager)
        self._filters = [retry.RetryFilter(),
                         availability_zone.AvailabilityZoneFilter(),
                         compute.ComputeFilter()]

    @property
    def filters(self):
        return self._filters

    def select_host(self, spec, index):
        if spec.forced:
            hosts = self.forced_hosts(spec)
        else:
            hosts = self.host_manager.get_all_host_states()
            for host_filter in self._filters:
                hosts = host_filter.filter_all(hosts, spec)
        return random.choice(hosts) if hosts else None
