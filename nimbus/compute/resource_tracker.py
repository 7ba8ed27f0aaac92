"""Keeps the compute_nodes row of each hypervisor node current.

Writes go through ComputeNode objects, which on a compute node run on the
conductor: this module never touches the database itself.
"""

from oslo_log import log as logging

from nimbus.conf import CONF
from nimbus import exception
from nimbus import objects

LOG = logging.getLogger(__name__)

_COLUMNS = ('vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used',
            'local_gb_used', 'hypervisor_type', 'hypervisor_version',
            'hypervisor_hostname', 'cpu_info', 'disk_available_least')


class ResourceTracker:
    def __init__(self, host, driver):
        self.host = host
        self.driver = driver
        self.compute_nodes = {}

    def update_available_resource(self, context, nodename):
        resources = self.driver.get_available_resource(nodename)
        node = self.compute_nodes.get(nodename)
        if node is None:
            node = self._get_or_create_node(context, nodename, resources)
        for name in _COLUMNS:
            if getattr(node, name, None) != resources[name]:
                setattr(node, name, resources[name])
        free_ram = resources['memory_mb'] - resources['memory_mb_used']
        free_disk = resources['local_gb'] - resources['local_gb_used']
        if node.free_ram_mb != free_ram:
            node.free_ram_mb = free_ram
        if node.free_disk_gb != free_disk:
            node.free_disk_gb = free_disk
        node.save()
        self.compute_nodes[nodename] = node
        return node

    def _get_or_create_node(self, context, nodename, resources):
        try:
            return objects.ComputeNode.get_by_host_and_nodename(
                context, self.host, nodename)
        except exception.NotFound:
            pass
        node = objects.ComputeNode(context)
        node.host = self.host
        node.host_ip = CONF.my_ip
        for name in _COLUMNS:
            setattr(node, name, resources[name])
        node.free_ram_mb = resources['memory_mb'] - resources['memory_mb_used']
        node.free_disk_gb = resources['local_gb'] - resources['local_gb_used']
        node.running_vms = 0
        node.create()
        LOG.info('Registered compute node %s on %s', nodename, self.host)
        return node
