"""Entry point for oslo-config-generator: every option nimbus owns."""

import collections
import importlib

_MODULES = ('api', 'base', 'compute', 'database', 'image', 'libvirt',
            'metadata', 'network', 'quota', 'scheduler', 'service',
            'upgrade_levels')


def list_opts():
    by_group = collections.OrderedDict()
    for name in _MODULES:
        module = importlib.import_module('nimbus.conf.' + name)
        for group, opts in module.list_opts().items():
            by_group.setdefault(group, []).extend(opts)
    return [(group, opts) for group, opts in by_group.items()]
