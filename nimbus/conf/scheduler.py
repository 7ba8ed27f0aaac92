"""nimbus-scheduler: the driver, filters and weighers ([DEFAULT], Nova's
names) and how the scheduler keeps its host view current ([scheduler])."""

from oslo_config import cfg

scheduler_opts = [
    cfg.StrOpt(
        'scheduler_driver',
        default='filter_scheduler',
        choices=[('filter_scheduler', 'Filter the hosts, weigh the ones '
                                      'left, take the best.'),
                 ('chance_scheduler', 'A random host among those whose '
                                      'compute service is enabled and up '
                                      '(in the requested availability '
                                      'zone); resources are not checked.')],
        help='How nimbus-scheduler picks hosts.'),
    cfg.ListOpt(
        'scheduler_default_filters',
        default=['RetryFilter', 'AvailabilityZoneFilter', 'ComputeFilter',
                 'RamFilter', 'CoreFilter', 'DiskFilter',
                 'ImagePropertiesFilter', 'SameHostFilter',
                 'DifferentHostFilter', 'ServerGroupAntiAffinityFilter',
                 'ServerGroupAffinityFilter'],
        help='Filters the filter scheduler runs, in this order, by class '
             'name (a class of nimbus.scheduler.filters) or by dotted '
             'path. A host must pass all of them.'),
    cfg.ListOpt(
        'scheduler_weight_classes',
        default=['nimbus.scheduler.weights.all_weighers'],
        help='Weighers that rank the hosts left after filtering: class '
             'names (RAMWeigher, CPUWeigher, DiskWeigher), dotted paths, '
             'or nimbus.scheduler.weights.all_weighers for all of them.'),
    cfg.IntOpt(
        'scheduler_host_subset_size',
        default=1,
        min=1,
        help='Pick the host at random among this many best-weighed hosts. '
             '1 always takes the best; more makes concurrent schedulers '
             'less likely to pick the same host.'),
    cfg.IntOpt(
        'scheduler_max_attempts',
        default=3,
        min=1,
        help='How many hosts an instance is tried on before it goes to '
             'ERROR: after a failed build it is rescheduled elsewhere '
             '(RetryFilter) until this many attempts were made.'),
    cfg.FloatOpt(
        'ram_allocation_ratio',
        default=1.5,
        min=0.0,
        help='Virtual RAM to physical RAM ratio, for compute nodes that do '
             'not report their own (RamFilter, and the memory limit of the '
             'compute claim).'),
    cfg.FloatOpt(
        'cpu_allocation_ratio',
        default=16.0,
        min=0.0,
        help='Virtual CPU to physical CPU ratio, for compute nodes that do '
             'not report their own (CoreFilter, CPUWeigher).'),
    cfg.FloatOpt(
        'disk_allocation_ratio',
        default=1.0,
        min=0.0,
        help='Virtual disk to physical disk ratio, for compute nodes that '
             'do not report their own (DiskFilter).'),
    cfg.FloatOpt(
        'ram_weight_multiplier',
        default=1.0,
        help='Multiplier of the free RAM weight: positive spreads instances '
             'over hosts, negative stacks them, 0 ignores RAM.'),
    cfg.FloatOpt(
        'cpu_weight_multiplier',
        default=1.0,
        help='Multiplier of the free vCPU weight: positive spreads, '
             'negative stacks, 0 ignores vCPUs.'),
    cfg.FloatOpt(
        'disk_weight_multiplier',
        default=1.0,
        help='Multiplier of the free disk weight: positive spreads, '
             'negative stacks, 0 ignores disk.'),
    cfg.StrOpt(
        'default_availability_zone',
        default='nimbus',
        help='Availability zone of a compute host whose service has none '
             'set (services.availability_zone).'),
]

SCHEDULER_GROUP = cfg.OptGroup(
    'scheduler',
    title='Scheduler host view',
    help='The scheduler keeps an in-memory view of the compute hosts: one '
         'full load at start, then it reads only the compute_nodes and '
         'services rows that changed.')

scheduler_group_opts = [
    cfg.FloatOpt(
        'sync_interval',
        default=1.0,
        min=0.05,
        help='Seconds between two reads of the compute_nodes and services '
             'rows changed since the previous read.'),
    cfg.FloatOpt(
        'sync_overlap',
        default=2.0,
        min=0.0,
        help='Seconds each read reaches back before the newest timestamp '
             'already seen, so rows stamped by a host whose clock lags (or '
             'committed late) are not missed. Rows already applied are '
             'skipped.'),
]


def register_opts(conf):
    conf.register_opts(scheduler_opts)
    conf.register_group(SCHEDULER_GROUP)
    conf.register_opts(scheduler_group_opts, group=SCHEDULER_GROUP)


def list_opts():
    return {'DEFAULT': scheduler_opts, SCHEDULER_GROUP: scheduler_group_opts}
