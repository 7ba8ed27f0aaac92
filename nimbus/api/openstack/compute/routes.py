"""Every URL of the Compute API and its handlers, in one table.

Paths are relative to the version prefix (/v2.1); each may also be
reached with the project id in front (/v2.1/{project_id}/servers).
"""

from nimbus.api.openstack.compute import extensions
from nimbus.api.openstack.compute import flavors
from nimbus.api.openstack.compute import keypairs

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
}
