"""[DEFAULT] options of nimbus-compute (Nova's names)."""

from oslo_config import cfg

compute_opts = [
    cfg.StrOpt(
        'compute_driver',
        default='fake.FakeDriver',
        help='Virt driver, relative to nimbus.virt: libvirt.LibvirtDriver '
             'for real guests, fake.FakeDriver for tests and benchmarks.'),
    cfg.StrOpt(
        'firewall_driver',
        default='nimbus.virt.firewall.NoopFirewallDriver',
        help='Class that filters instance traffic on the compute node by '
             'security group (full import path). '
             'nimbus.virt.iptables_firewall.IptablesFirewallDriver for '
             'iptables chains; NoopFirewallDriver filters nothing.'),
    cfg.BoolOpt(
        'allow_same_net_traffic',
        default=True,
        help='Whether instances on the same fixed network may reach each '
             'other whatever their security groups say.'),
    cfg.StrOpt(
        'instances_path',
        default='$state_path/instances',
        help='Where instance directories and the image cache (_base) live.'),
    cfg.IntOpt(
        'reboot_timeout',
        default=0,
        min=0,
        help='Seconds after which an instance stuck in a reboot task state '
             'is hard-rebooted again; 0 disables the check.'),
    cfg.IntOpt(
        'instance_build_timeout',
        default=0,
        min=0,
        help='Seconds an instance may stay in BUILD before it is set to '
             'ERROR; 0 disables the check.'),
    cfg.IntOpt(
        'sync_power_state_interval',
        default=600,
        help='Seconds between two syncs of the power states in the '
             'database with the hypervisor; negative disables the sync.'),
    cfg.StrOpt(
        'running_deleted_instance_action',
        default='reap',
        choices=[('noop', 'Do nothing.'),
                 ('log', 'Log a warning for each such guest.'),
                 ('shutdown', 'Power the guest off.'),
                 ('reap', 'Destroy the guest.')],
        help='What to do with a guest still running on the hypervisor '
             'whose instance was deleted.'),
    cfg.IntOpt(
        'running_deleted_instance_poll_interval',
        default=1800,
        help='Seconds between two looks for guests of deleted instances; '
             '0 disables it.'),
    cfg.IntOpt(
        'running_deleted_instance_timeout',
        default=0,
        min=0,
        help='Seconds an instance must have been deleted before its '
             'running guest is acted upon.'),
    cfg.IntOpt(
        'reclaim_instance_interval',
        default=0,
        min=0,
        help='When positive, a deleted instance is only soft-deleted (it '
             'can be restored) and reclaimed after this many seconds.'),
    cfg.BoolOpt(
        'allow_resize_to_same_host',
        default=False,
        help='Allow a resize to keep the instance on its current host.'),
    cfg.BoolOpt(
        'resume_guests_state_on_host_boot',
        default=False,
        help='Start the guests that were running before the compute host '
             'rebooted.'),
    cfg.IntOpt(
        'update_resources_interval',
        default=60,
        help='Seconds between two reports of this host\'s resources.'),
]


def register_opts(conf):
    conf.register_opts(compute_opts)


def list_opts():
    return {'DEFAULT': compute_opts}
