"""[upgrade_levels]: RPC version caps for rolling upgrades."""

from oslo_config import cfg

GROUP = cfg.OptGroup(
    'upgrade_levels',
    title='RPC version caps',
    help='During a rolling upgrade, cap the RPC version each client sends '
         'so that services not yet upgraded still understand it. Empty '
         'means no cap (the newest version this code knows).')

_SERVICES = ('compute', 'scheduler', 'conductor', 'network', 'volume')

upgrade_levels_opts = [
    cfg.StrOpt(name, help='Highest RPC version to send to nimbus-%s, for '
                          'example 1.0.' % name)
    for name in _SERVICES
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(upgrade_levels_opts, group=GROUP)


def list_opts():
    return {GROUP: upgrade_levels_opts}
