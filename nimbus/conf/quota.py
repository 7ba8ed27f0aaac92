"""[quota]: the default limit of each resource for every project.

Names and defaults are Nova's; -1 means unlimited.  A project's own limits
(``nimbus-manage quota``, PUT /os-quota-sets) override these.
"""

from oslo_config import cfg

QUOTA_GROUP = cfg.OptGroup('quota', title='Quota defaults')


def _limit(name, default, what):
    return cfg.IntOpt(name, default=default, min=-1,
                      help='%s per project (-1: unlimited).' % what)


quota_opts = [
    _limit('instances', 10, 'Instances'),
    _limit('cores', 20, 'Instance cores (vCPUs)'),
    _limit('ram', 51200, 'Megabytes of instance RAM'),
    _limit('floating_ips', 10, 'Floating IPs'),
    _limit('fixed_ips', -1, 'Fixed IPs (at least one per instance)'),
    _limit('metadata_items', 128, 'Metadata items of one instance'),
    _limit('injected_files', 5, 'Injected files of one instance'),
    _limit('injected_file_content_bytes', 10240,
           'Bytes of one injected file'),
    _limit('injected_file_path_length', 255,
           'Characters in the path of one injected file'),
    _limit('security_groups', 10, 'Security groups'),
    _limit('security_group_rules', 20, 'Rules of one security group'),
    _limit('key_pairs', 100, 'Key pairs of one user'),
    _limit('server_groups', 10, 'Server groups'),
    _limit('server_group_members', 10, 'Members of one server group'),
    _limit('volumes', 10, 'Volumes'),
    _limit('gigabytes', 1000, 'Gigabytes of volumes and snapshots'),
    _limit('snapshots', 10, 'Volume snapshots'),
]


def register_opts(conf):
    conf.register_group(QUOTA_GROUP)
    conf.register_opts(quota_opts, group=QUOTA_GROUP)


def list_opts():
    return {QUOTA_GROUP: quota_opts}
