"""Security groups on this compute host: the instance filters of the
firewall driver (``firewall_driver``), kept in step with the rules.

A filter is applied before the guest first starts, re-applied when the
host starts and when nimbus-api or nimbus-network ask
(``refresh_instance_security_rules``), and removed after the guest is
destroyed. Rules come from the conductor: with the build's cast
(read by nimbus-conductor's BuildTask after it saved the instance's
host), else asked for (InstanceSecurityRules).

Rules that came with the build may be older than a change made since;
such a change is announced by a refresh to this host, and a build whose
instance had a refresh meanwhile reads the rules again (``Refreshes``).
Why the refresh comes here: the conductor saves ``instance.host`` before
it reads the rules, so a change the read missed commits after that
save; nimbus-api and nimbus-network read the hosts to refresh from the
database after they commit a change (security groups' rules and
members, fixed IPs: nimbus.network.security_groups), and find this one.
"""

import threading

from oslo_log import log as logging

from nimbus.compute import vm_states
from nimbus import exception
from nimbus import objects

LOG = logging.getLogger(__name__)


class Refreshes:
    """Instances with a refresh not yet served on this host: one that
    arrived (noted before it waits for the instance's lock) with no
    filter applied since from rules read after it.

    A build holds the instance's lock from its start to its end, so a
    refresh arriving during the build waits, and one may even arrive
    before the build's cast (the conductor and nimbus-api cast
    separately): neither can re-apply the filter in time. The build
    sees the note instead and reads fresh rules. A note stays until a
    filter is applied with rules read after it, or removed (delete,
    failed build), or a refresh finds its instance neither filtered nor
    being built here.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._uuids = set()

    def note(self, instance_uuid):
        with self._lock:
            self._uuids.add(instance_uuid)

    def pending(self, instance_uuid):
        with self._lock:
            return instance_uuid in self._uuids

    def served(self, instance_uuid):
        with self._lock:
            self._uuids.discard(instance_uuid)


def _network_info(instance):
    cache = getattr(instance, 'info_cache', None)
    return list(cache.network_info or []) if cache is not None else []


def apply_filter(manager, context, instance_uuid, network_info,
                 rules=None):
    """``rules``: those the conductor sent with the build, used unless a
    refresh of the instance arrived since (see Refreshes); None: ask the
    conductor."""
    if rules is None or manager.refreshes.pending(instance_uuid):
        # Served before the read: a refresh arriving during the read is
        # noted again, and served by its own re-apply.
        manager.refreshes.served(instance_uuid)
        rules = objects.InstanceSecurityRules.get_by_instance(
            context, instance_uuid)
    manager.firewall.apply_instance_filter(instance_uuid,
                                           list(network_info or []),
                                           list(rules or []))
    LOG.info('Filter of %s applied: %d rule(s)', instance_uuid,
             len(rules or []))


def remove_filter(manager, instance_uuid):
    manager.refreshes.served(instance_uuid)
    try:
        manager.firewall.remove_instance_filter(instance_uuid)
    except Exception:
        LOG.exception('Could not remove the filter of %s', instance_uuid)


def refresh(manager, context, instance_uuid):
    """Re-apply the filter of an instance that has one here (under the
    instance's lock, the refresh noted in ``manager.refreshes``).
    Instances not (or no longer) filtered on this host are left alone:
    the build applies theirs, reading fresh rules when it is this
    host's (in the database: built here, not yet built), since this
    refresh stays noted for it."""
    filtered = manager.firewall.instance_filtered(instance_uuid)
    try:
        instance = objects.Instance.get_by_uuid(
            context, instance_uuid,
            expected_attrs=['info_cache'] if filtered else None)
    except exception.InstanceNotFound:
        remove_filter(manager, instance_uuid)
        return
    here = instance.host == manager.host
    if filtered and here:
        apply_filter(manager, context, instance_uuid,
                     _network_info(instance))
    elif not (here and instance.vm_state == vm_states.BUILDING):
        manager.refreshes.served(instance_uuid)


def reapply_all(manager, context):
    """At start-up: the firewall's own chains, then each instance's
    filter (a restarted host has lost them)."""
    manager.firewall.initialize()
    instances = objects.InstanceList.get_by_host(
        context, manager.host, expected_attrs=['info_cache'])
    # Filters of instances deleted while this host was down go first.
    manager.firewall.remove_filters_except(
        [instance.uuid for instance in instances])
    for instance in instances:
        network_info = _network_info(instance)
        if not network_info:
            continue
        try:
            apply_filter(manager, context, instance.uuid, network_info)
        except Exception:
            LOG.exception('Could not apply the filter of %s', instance.uuid)
