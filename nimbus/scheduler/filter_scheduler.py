"""The filter scheduler: filter the hosts, weigh those left, take the best.

Filters come from ``scheduler_default_filters``, weighers from
``scheduler_weight_classes``. With ``scheduler_host_subset_size`` > 1 the
host is drawn at random among that many best.

The answer is the one of filtering and weighing every host of the view
(``weights.get_weighed_hosts`` over the hosts that pass every filter);
host pools (nimbus.scheduler.host_pool) get it without touching every
host. Weighers that are not cacheable, or hosts an admin forced, take the
plain path.
"""

import collections
import random

from nimbus.conf import CONF
from nimbus.scheduler import driver
from nimbus.scheduler import filters as filters_module
from nimbus.scheduler import host_pool
from nimbus.scheduler import weights

# Pools kept, one per request key in use (least recently used go first);
# a pool costs a few entries per host.
MAX_POOLS = 64


class FilterScheduler(driver.Scheduler):
    def __init__(self, host_manager=None):
        super().__init__(host_manager)
        self.reset()

    def reset(self):
        self._filters = filters_module.load_filters(
            CONF.scheduler_default_filters)
        self._cacheable = [f for f in self._filters if f.cacheable]
        # What tells one pool from another: the keys of the cacheable
        # filters that are not numeric (numeric ones share a pool).
        self._pool_keys = [f.request_key for f in self._cacheable
                           if not f.rooms]
        self._per_request = [f for f in self._filters if not f.cacheable]
        self._with_limits = [f for f in self._filters
                             if type(f).limits is not
                             filters_module.BaseHostFilter.limits]
        self.weighers = weights.load_weighers(CONF.scheduler_weight_classes)
        # Read once: oslo.config lookups cost more than a cached placement.
        # A SIGHUP (Service.reset) reads them again.
        self._multipliers = [w.weight_multiplier() for w in self.weighers]
        self._subset_size = CONF.scheduler_host_subset_size
        self._use_pools = all(w.cacheable for w in self.weighers)
        self._pools = collections.OrderedDict()

    @property
    def filters(self):
        return self._filters

    def limits(self, host_state):
        limits = dict(driver.NO_LIMITS)
        for host_filter in self._with_limits:
            limits.update(host_filter.limits(host_state) or {})
        return limits

    def select_host(self, spec, index):
        weighed = self.get_weighed_candidates(spec)
        if not weighed:
            return None
        return random.choice(weighed)[1] if len(weighed) > 1 else (
            weighed[0][1])

    def get_weighed_candidates(self, spec):
        """The ``scheduler_host_subset_size`` best [(weight, host_state)]
        for one instance of ``spec``, best first."""
        count = self._subset_size
        multipliers = self._multipliers
        if spec.forced:
            hosts = self.forced_hosts(spec)
        elif self._use_pools:
            active = [f for f in self._per_request if f.is_active(spec)]
            return self._pool(spec).select(spec, active, multipliers, count)
        else:
            hosts = self.get_filtered_hosts(spec)
        return weights.get_weighed_hosts(self.weighers, hosts, spec,
                                         multipliers)[:count]

    def get_filtered_hosts(self, spec):
        """Every host of the view that passes every filter, in view order
        (the plain way)."""
        hosts = self.host_manager.get_all_host_states()
        for host_filter in self._filters:
            hosts = host_filter.filter_all(hosts, spec)
            if not hosts:
                break
        return hosts

    def _pool(self, spec):
        key = tuple([request_key(spec) for request_key in self._pool_keys])
        pool = self._pools.get(key)
        if pool is None:
            pool = host_pool.HostPool(self.host_manager, self._cacheable,
                                      self.weighers)
            self._pools[key] = pool
            if len(self._pools) > MAX_POOLS:
                self._pools.popitem(last=False)
        else:
            self._pools.move_to_end(key)
        pool.refresh(spec)
        return pool
