"""Security groups on this compute host: the instance filters of the
firewall driver (``firewall_driver``), kept in step with the rules.

A filter is applied before the guest first starts, re-applied when the
host starts and when nimbus-api or nimbus-network ask
(``refresh_instance_security_rules``), and removed after the guest is
destroyed. Rules come from the conductor (InstanceSecurityRules).
"""

from oslo_log import log as logging

from nimbus import exception
from nimbus import objects

LOG = logging.getLogger(__name__)


def _network_info(instance):
    cache = getattr(instance, 'info_cache', None)
    return list(cache.network_info or []) if cache is not None else []


def apply_filter(manager, context, instance_uuid, network_info):
    rules = objects.InstanceSecurityRules.get_by_instance(context,
                                                          instance_uuid)
    manager.firewall.apply_instance_filter(instance_uuid,
                                           list(network_info or []),
                                           list(rules or []))
    LOG.info('Filter of %s applied: %d rule(s)', instance_uuid,
             len(rules or []))


def remove_filter(manager, instance_uuid):
    try:
        manager.firewall.remove_instance_filter(instance_uuid)
    except Exception:
        LOG.exception('Could not remove the filter of %s', instance_uuid)


def refresh(manager, context, instance_uuid):
    """Re-apply the filter of an instance that has one here; instances
    not (or no longer) filtered on this host are left alone: the build
    applies theirs."""
    if not manager.firewall.instance_filtered(instance_uuid):
        return
    try:
        instance = objects.Instance.get_by_uuid(
            context, instance_uuid, expected_attrs=['info_cache'])
    except exception.InstanceNotFound:
        remove_filter(manager, instance_uuid)
        return
    if instance.host != manager.host:
        return
    apply_filter(manager, context, instance_uuid, _network_info(instance))


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
