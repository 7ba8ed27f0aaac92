"""Security groups on the compute node: the firewall driver interface.

The compute manager calls a firewall driver around the virt driver: it
applies an instance's filter before the guest starts, applies it again when
a security group the instance belongs to changes, and removes it when the
guest is destroyed. The driver receives plain data and never reads the
database:

``network_info``
    the instance's VIFs as described in ``nimbus.network.model`` (MAC in
    ``address``, tap device in ``devname``, fixed IPs, the network's
    ``dhcp_server`` and CIDR).

``rules``
    ingress rules as dicts ``{'protocol': 'tcp'|'udp'|'icmp',
    'from_port': int, 'to_port': int, 'cidr': 'a.b.c.d/n'}``. For icmp,
    ``from_port``/``to_port`` are the ICMP type/code (-1 for any). Rules
    whose source is a security group reach the driver already expanded into
    one rule per member address (``/32``), so the driver knows nothing of
    groups.

What a filter must do: accept established and related traffic, DHCP
replies from the network's DHCP server, traffic from the instance's own
network when ``allow_same_net_traffic`` is set, and what the rules allow;
drop all other ingress; and drop egress that does not come from the VIF's
own MAC and fixed IP (anti-spoofing), DHCP requests excepted.

``firewall_driver`` names the class: ``NoopFirewallDriver`` (no filtering,
for the fake virt driver and nimbus-all) or
``nimbus.virt.iptables_firewall.IptablesFirewallDriver``.
"""

import abc

from oslo_utils import importutils


class FirewallDriver(abc.ABC):
    """What the compute manager needs to filter instance traffic."""

    def initialize(self):
        """Prepare the host at compute start-up: the top-level chains the
        driver owns, with no per-instance chains yet. Idempotent; called
        before the filters of the host's instances are applied again."""

    @abc.abstractmethod
    def apply_instance_filter(self, instance_uuid, network_info, rules):
        """Make the instance's filter exactly ``rules`` (plus the fixed
        parts above), replacing any earlier one in one atomic change."""

    @abc.abstractmethod
    def remove_instance_filter(self, instance_uuid):
        """Remove everything the driver built for the instance. Idempotent;
        no error when there is no filter."""

    @abc.abstractmethod
    def instance_filtered(self, instance_uuid):
        """Whether the instance currently has a filter."""

    def remove_filters_except(self, instance_uuids):
        """Remove the filters of every instance not in ``instance_uuids``
        (deleted while nimbus-compute was down); called at start-up with
        the host's instances."""
        return 0


class NoopFirewallDriver(FirewallDriver):
    """Filters nothing; remembers which instances it was asked to filter
    and with which rules (tests read ``filters``)."""

    def __init__(self):
        self.filters = {}

    def apply_instance_filter(self, instance_uuid, network_info, rules):
        self.filters[instance_uuid] = [dict(rule) for rule in rules]

    def remove_instance_filter(self, instance_uuid):
        self.filters.pop(instance_uuid, None)

    def instance_filtered(self, instance_uuid):
        return instance_uuid in self.filters

    def remove_filters_except(self, instance_uuids):
        stale = set(self.filters) - set(instance_uuids)
        for instance_uuid in stale:
            del self.filters[instance_uuid]
        return len(stale)


def load_firewall_driver(class_path):
    """An instance of the firewall driver class ``class_path``."""
    driver = importutils.import_object(class_path)
    if not isinstance(driver, FirewallDriver):
        raise TypeError('%s is not a FirewallDriver' % class_path)
    return driver
