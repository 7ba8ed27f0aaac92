"""/servers/{id}/ips: the addresses of a server, by network label."""

import webob.exc

from nimbus.api.openstack.compute import server_views as views
from nimbus.api.openstack.compute import servers
from nimbus import policy


def _addresses(req, server_id, rule):
    instance = servers.get_instance(req, server_id)
    policy.authorize(req.context, 'os_compute_api:ips:' + rule,
                     {'project_id': instance.project_id,
                      'user_id': instance.user_id})
    return views.addresses(views._network_info(instance), detail=False)


def index(req, server_id):
    return {'addresses': _addresses(req, server_id, 'index')}


def show(req, server_id, network_label):
    addresses = _addresses(req, server_id, 'show')
    if network_label not in addresses:
        raise webob.exc.HTTPNotFound(
            explanation='Instance is not a member of specified network')
    return {network_label: addresses[network_label]}
