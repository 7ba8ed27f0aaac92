"""Security group rules as nimbus-compute needs them: the ingress rules
of one instance, source groups expanded, read on the conductor."""

from nimbus.db.api import security_group as sg_db
from nimbus.objects import base


@base.NimbusObjectRegistry.register
class InstanceSecurityRules(base.NimbusObject):
    """The firewall rules of an instance (see nimbus.virt.firewall)."""

    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {}

    @classmethod
    @base.remotable
    def get_by_instance(cls, context, instance_uuid):
        """[{'protocol', 'from_port', 'to_port', 'cidr'}]: the rules of
        the instance's groups, a rule whose source is a group expanded
        into /32 rules of the group's members' fixed IPs."""
        return sg_db.instance_ingress_rules(context.elevated(),
                                            instance_uuid)
