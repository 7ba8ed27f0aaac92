"""[DEFAULT] options of nimbus-compute."""

from oslo_config import cfg

compute_opts = [
    cfg.StrOpt(
        'compute_driver',
        default='fake.FakeDriver',
        help='Virt driver, relative to nimbus.virt: libvirt.LibvirtDriver '
             'for real guests, fake.FakeDriver for tests and benchmarks.'),
    cfg.StrOpt(
        'instances_path',
        default='$state_path/instances',
        help='Where instance directories and the image cache (_base) live.'),
]


def register_opts(conf):
    conf.register_opts(compute_opts)


def list_opts():
    return {'DEFAULT': compute_opts}
