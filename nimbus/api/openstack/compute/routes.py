"""Every URL of the Compute API and its handlers, in one table.

Paths are relative to the version prefix (/v2.1); each may also be
reached with the project id in front (/v2.1/{project_id}/servers).
"""

from nimbus.api.openstack.compute import extensions

ROUTES = {
    '/extensions': {'GET': extensions.index},
}
