"""The interface between nimbus-compute and a hypervisor.

Drivers never import the database: everything they need comes in as
arguments, and what they report goes back through the compute manager.
"""

import importlib

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class ComputeDriver:
    """Base class of virt drivers.

    ``capabilities`` says which optional operations a driver supports, so
    the manager can refuse cleanly before changing anything.
    """

    capabilities = {
        'has_imagecache': False,
        'supports_recreate': False,
        'supports_pause': False,
        'supports_suspend': False,
        'supports_rescue': False,
    }

    def init_host(self, host):
        """Connect to the hypervisor on ``host``; raise if it is unusable."""
        raise NotImplementedError()

    def cleanup_host(self, host):
        """Release what init_host took."""

    def get_available_nodes(self, refresh=False):
        """Names of the hypervisor nodes this driver manages."""
        raise NotImplementedError()

    def get_available_resource(self, nodename):
        """Resources of ``nodename`` as a dict with the compute_nodes
        columns: vcpus, memory_mb, local_gb, *_used, hypervisor_type,
        hypervisor_version, hypervisor_hostname, cpu_info,
        disk_available_least."""
        raise NotImplementedError()

    def list_instances(self):
        """Names of the guests defined on this host."""
        raise NotImplementedError()


def load_compute_driver(name):
    """Load ``module.Class`` relative to nimbus.virt (or a full path)."""
    path = name if name.startswith('nimbus.') else 'nimbus.virt.' + name
    module_name, _, class_name = path.rpartition('.')
    try:
        module = importlib.import_module(module_name)
        driver_class = getattr(module, class_name)
    except (ImportError, AttributeError) as exc:
        raise ValueError('Cannot load compute_driver %r: %s' % (name, exc))
    LOG.info('Loading compute driver %s', path)
    return driver_class()
