"""Every URL of the Compute API and its handlers, in one table.

Paths are relative to the version prefix (/v2.1); each may also be
reached with the project id in front (/v2.1/{project_id}/servers).
"""

from nimbus.api.openstack.compute import availability_zones
from nimbus.api.openstack.compute import extensions
from nimbus.api.openstack.compute import flavors
from nimbus.api.openstack.compute import floating_ips
from nimbus.api.openstack.compute import hypervisors
from nimbus.api.openstack.compute import instance_actions
from nimbus.api.openstack.compute import keypairs
from nimbus.api.openstack.compute import server_groups
from nimbus.api.openstack.compute import quota_sets
from nimbus.api.openstack.compute import security_groups
from nimbus.api.openstack.compute import server_actions
from nimbus.api.openstack.compute import server_ips
from nimbus.api.openstack.compute import server_metadata
from nimbus.api.openstack.compute import server_tags
from nimbus.api.openstack.compute import servers
from nimbus.api.openstack.compute import services

ROUTES = {
    '/extensions': {'GET': extensions.index},
    # Servers: /servers/detail before /servers/{server_id}.
    '/servers': {'GET': servers.index, 'POST': servers.create},
    '/servers/detail': {'GET': servers.detail},
    '/servers/{server_id}': {'GET': servers.show, 'PUT': servers.update,
                             'DELETE': servers.delete},
    '/servers/{server_id}/action': {'POST': server_actions.action},
    '/servers/{server_id}/metadata': {'GET': server_metadata.index,
                                      'POST': server_metadata.create,
                                      'PUT': server_metadata.update_all},
    '/servers/{server_id}/metadata/{key}': {
        'GET': server_metadata.show, 'PUT': server_metadata.update,
        'DELETE': server_metadata.delete},
    '/servers/{server_id}/ips': {'GET': server_ips.index},
    '/servers/{server_id}/ips/{network_label}': {'GET': server_ips.show},
    '/servers/{server_id}/os-instance-actions': {
        'GET': instance_actions.index},
    '/servers/{server_id}/os-instance-actions/{request_id}': {
        'GET': instance_actions.show},
    '/servers/{server_id}/tags': {'GET': server_tags.index,
                                  'PUT': server_tags.update_all,
                                  'DELETE': server_tags.delete_all},
    '/servers/{server_id}/tags/{tag}': {'GET': server_tags.show,
                                        'PUT': server_tags.update,
                                        'DELETE': server_tags.delete},
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
    '/os-server-groups': {'GET': server_groups.index,
                          'POST': server_groups.create},
    '/os-server-groups/{group_id}': {'GET': server_groups.show,
                                     'DELETE': server_groups.delete},
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
    # nova-network proxies (404 above 2.35, as in Nova).
    '/os-floating-ips': {'GET': floating_ips.index,
                         'POST': floating_ips.create},
    '/os-floating-ips/{floating_ip_id}': {'GET': floating_ips.show,
                                          'DELETE': floating_ips.delete},
    '/os-floating-ip-pools': {'GET': floating_ips.pools},
    '/os-security-groups': {'GET': security_groups.index,
                            'POST': security_groups.create},
    '/os-security-groups/{security_group_id}': {
        'GET': security_groups.show, 'PUT': security_groups.update,
        'DELETE': security_groups.delete},
    '/os-security-group-rules': {'POST': security_groups.create_rule},
    '/os-security-group-rules/{security_group_rule_id}': {
        'DELETE': security_groups.delete_rule},
    '/servers/{server_id}/os-security-groups': {
        'GET': security_groups.server_index},
}
