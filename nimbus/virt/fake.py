"""A hypervisor that lives in memory, for tests and scale benchmarks."""

import json
import socket

from nimbus.virt import driver


class FakeDriver(driver.ComputeDriver):
    """Reports fixed resources; instances are entries in a dict."""

    capabilities = dict(driver.ComputeDriver.capabilities,
                        supports_pause=True, supports_suspend=True,
                        supports_rescue=True)

    vcpus = 16
    memory_mb = 32768
    local_gb = 1024

    def __init__(self):
        self.instances = {}
        self.host = None

    def init_host(self, host):
        self.host = host

    def get_available_nodes(self, refresh=False):
        return [self.host or socket.gethostname()]

    def get_available_resource(self, nodename):
        return {
            'vcpus': self.vcpus,
            'memory_mb': self.memory_mb,
            'local_gb': self.local_gb,
            'vcpus_used': 0,
            'memory_mb_used': 0,
            'local_gb_used': 0,
            'hypervisor_type': 'fake',
            'hypervisor_version': 1000,
            'hypervisor_hostname': nodename,
            'cpu_info': json.dumps({'arch': 'x86_64', 'model': 'fake'}),
            'disk_available_least': self.local_gb,
        }

    def list_instances(self):
        return list(self.instances)
