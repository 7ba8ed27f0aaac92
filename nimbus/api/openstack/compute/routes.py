"""Every URL of the Compute API and its handlers, in one table.

Paths are relative to the version prefix (/v2.1); each may also be
reached with the project id in front (/v2.1/{project_id}/servers).
"""

from nimbus.api.openstack.compute import availability_zones
from nimbus.api.openstack.compute import extensions
from nimbus.api.openstack.compute import flavors
from nimbus.api.openstack.compute import hypervisors
from nimbus.api.openstack.compute import keypairs
from nimbus.api.openstack.compute import quota_sets
from nimbus.api.openstack.compute import services

ROUTES = {
    '/extensions': {'GET': extensions.index},
    # Flavors: /flavors/detail before /flavors/{flavor_id}.
    '/flavors': {'GET': flavors.index, 'POST': flavors.create},
    '/flavors/detail': {'GET': flavors.detail},
    '/flavors/{flavor_id}': {'GET': flavors.show, 'DELETE': flavors.delete},
    '/flavors/{flavor_id}/action': {'POST': flavors.action},
    '/flavors/{flavor_id}/os-flavor-access': {'GET': flavors.access_index},
    '/flavors/{flavor_id}/os-extra_specs': {
        'GET': flavors.extra_specs_index, 'POST': flavors.extra_specs_create},
    '/flavors/{flavor_id}/os-extra_specs/{key}': {
        'GET': flavors.extra_spec_show, 'PUT': flavors.extra_spec_update,
        'DELETE': flavors.extra_spec_delete},
    '/os-keypairs': {'GET': keypairs.index, 'POST': keypairs.create},
    '/os-keypairs/{keypair_name}': {'GET': keypairs.show,
                                    'DELETE': keypairs.delete},
    '/os-quota-sets/{tenant_id}': {'GET': quota_sets.show,
                                   'PUT': quota_sets.update,
                                   'DELETE': quota_sets.delete},
    '/os-quota-sets/{tenant_id}/defaults': {'GET': quota_sets.defaults},
    '/os-quota-sets/{tenant_id}/detail': {'GET': quota_sets.detail},
    '/os-quota-class-sets/{class_name}': {'GET': quota_sets.class_show,
                                          'PUT': quota_sets.class_update},
    '/limits': {'GET': quota_sets.limits},
    '/os-availability-zone': {'GET': availability_zones.index},
    '/os-availability-zone/detail': {'GET': availability_zones.detail},
    '/os-services': {'GET': services.index},
    # PUT /os-services/{enable,disable,disable-log-reason,force-down}
    '/os-services/{service_id}': {'PUT': services.update,
                                  'DELETE': services.delete},
    # Hypervisors: the fixed names before /os-hypervisors/{hypervisor_id}.
    '/os-hypervisors': {'GET': hypervisors.index},
    '/os-hypervisors/detail': {'GET': hypervisors.detail},
    '/os-hypervisors/statistics': {'GET': hypervisors.statistics},
    '/os-hypervisors/{hypervisor_id}': {'GET': hypervisors.show},
    '/os-hypervisors/{hypervisor_hostname_pattern}/search': {
        'GET': hypervisors.search},
    '/os-hypervisors/{hypervisor_hostname_pattern}/servers': {
        'GET': hypervisors.servers},
    '/os-hosts': {'GET': hypervisors.hosts_index},
    '/os-hosts/{host_name}': {'GET': hypervisors.hosts_show},
}
