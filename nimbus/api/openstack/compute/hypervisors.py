"""/os-hypervisors (admin): the compute nodes, their resources and
instances; /os-hosts (admin): the hosts of every service."""

import json

import webob.exc

from nimbus.api.openstack.compute import availability_zones as az
from nimbus.conf import CONF
from nimbus.db.api import hypervisor as hypervisor_db
from nimbus import exception
from nimbus import objects
from nimbus import policy
from nimbus import servicegroup

_P = 'os_compute_api:os-hypervisors:'


def _services(context):
    """{host: the nimbus-compute service of that host}."""
    return {s.host: s for s in objects.ServiceList.get_all(context)
            if s.binary == az.COMPUTE_BINARY}


def _nodes(context):
    return sorted(objects.ComputeNodeList.get_all(context),
                  key=lambda node: node.id)


def _summary(node, service):
    up = service is not None and servicegroup.service_is_up(service)
    disabled = service is None or service.disabled
    return {'id': node.id, 'hypervisor_hostname': node.hypervisor_hostname,
            'state': 'up' if up else 'down',
            'status': 'disabled' if disabled else 'enabled'}


def _cpu_info(req, node):
    if not req.api_version.matches('2.28'):
        return node.cpu_info or ''
    try:
        info = json.loads(node.cpu_info or '{}')
    except ValueError:
        info = {}
    return info if isinstance(info, dict) else {}


def _detail(req, node, service):
    view = _summary(node, service)
    free_ram = (node.free_ram_mb if node.free_ram_mb is not None
                else node.memory_mb - node.memory_mb_used)
    free_disk = (node.free_disk_gb if node.free_disk_gb is not None
                 else node.local_gb - node.local_gb_used)
    view.update({
        'cpu_info': _cpu_info(req, node),
        'current_workload': hypervisor_db.workload_on_host(
            req.context, node.host, node.hypervisor_hostname),
        'disk_available_least': node.disk_available_least,
        'host_ip': node.host_ip,
        'free_disk_gb': free_disk,
        'free_ram_mb': free_ram,
        'hypervisor_type': node.hypervisor_type,
        'hypervisor_version': node.hypervisor_version,
        'local_gb': node.local_gb,
        'local_gb_used': node.local_gb_used,
        'memory_mb': node.memory_mb,
        'memory_mb_used': node.memory_mb_used,
        'running_vms': node.running_vms,
        'vcpus': node.vcpus,
        'vcpus_used': node.vcpus_used,
        'service': {'host': node.host,
                    'id': service.id if service is not None else None,
                    'disabled_reason': (service.disabled_reason
                                        if service is not None else None)},
    })
    return view


def _page(req, nodes, path):
    """Apply 2.33 paging (limit, marker = a hypervisor id)."""
    if not req.api_version.matches('2.33'):
        return nodes, {}
    marker, limit = req.GET.get('marker'), req.GET.get('limit')
    try:
        limit = (min(int(limit), CONF.api.max_limit) if limit is not None
                 else CONF.api.max_limit)
        if limit < 0:
            raise ValueError
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation='limit param must be a positive integer')
    if marker is not None:
        ids = [str(node.id) for node in nodes]
        if marker not in ids:
            raise webob.exc.HTTPBadRequest(
                explanation='marker [%s] not found' % marker)
        nodes = nodes[ids.index(marker) + 1:]
    nodes = nodes[:limit]
    extra = {}
    if nodes and len(nodes) == limit:
        extra['hypervisors_links'] = [{
            'rel': 'next', 'href': '%s/%s?limit=%d&marker=%d' % (
                req.application_url.rstrip('/'), path, limit,
                nodes[-1].id)}]
    return nodes, extra


def index(req):
    policy.authorize(req.context, _P + 'list', {})
    services = _services(req.context)
    nodes, extra = _page(req, _nodes(req.context), 'os-hypervisors')
    return dict({'hypervisors': [_summary(n, services.get(n.host))
                                 for n in nodes]}, **extra)


def detail(req):
    policy.authorize(req.context, _P + 'list-detail', {})
    services = _services(req.context)
    nodes, extra = _page(req, _nodes(req.context), 'os-hypervisors/detail')
    return dict({'hypervisors': [_detail(req, n, services.get(n.host))
                                 for n in nodes]}, **extra)


def show(req, hypervisor_id):
    policy.authorize(req.context, _P + 'show', {})
    for node in _nodes(req.context):
        if str(node.id) == hypervisor_id:
            return {'hypervisor': _detail(
                req, node, _services(req.context).get(node.host))}
    raise webob.exc.HTTPNotFound(explanation=exception.HypervisorNotFound(
        hypervisor_id=hypervisor_id).format_message())


def statistics(req):
    policy.authorize(req.context, _P + 'statistics', {})
    services = _services(req.context)
    nodes = [n for n in _nodes(req.context)
             if n.host in services and not services[n.host].disabled]
    stats = {'count': len(nodes), 'current_workload': 0,
             'disk_available_least': 0}
    for name in ('vcpus', 'vcpus_used', 'memory_mb', 'memory_mb_used',
                 'local_gb', 'local_gb_used', 'running_vms'):
        stats[name] = sum(getattr(n, name) or 0 for n in nodes)
    stats['free_ram_mb'] = sum(
        n.free_ram_mb if n.free_ram_mb is not None
        else n.memory_mb - n.memory_mb_used for n in nodes)
    stats['free_disk_gb'] = sum(
        n.free_disk_gb if n.free_disk_gb is not None
        else n.local_gb - n.local_gb_used for n in nodes)
    for node in nodes:
        stats['current_workload'] += hypervisor_db.workload_on_host(
            req.context, node.host, node.hypervisor_hostname)
        stats['disk_available_least'] += node.disk_available_least or 0
    return {'hypervisor_statistics': stats}


def _matching(req, pattern):
    nodes = [n for n in _nodes(req.context)
             if pattern in (n.hypervisor_hostname or '')]
    if not nodes:
        raise webob.exc.HTTPNotFound(
            explanation=exception.HypervisorHostNotFound(
                pattern=pattern).format_message())
    return nodes


def search(req, hypervisor_hostname_pattern):
    policy.authorize(req.context, _P + 'search', {})
    services = _services(req.context)
    return {'hypervisors': [
        _summary(n, services.get(n.host))
        for n in _matching(req, hypervisor_hostname_pattern)]}


def servers(req, hypervisor_hostname_pattern):
    policy.authorize(req.context, _P + 'servers', {})
    services = _services(req.context)
    result = []
    for node in _matching(req, hypervisor_hostname_pattern):
        view = _summary(node, services.get(node.host))
        instances = hypervisor_db.instances_on_host(
            req.context, node.host, node.hypervisor_hostname)
        if instances:
            view['servers'] = instances
        result.append(view)
    return {'hypervisors': result}


# os-hosts --------------------------------------------------------------------

def hosts_index(req):
    policy.authorize(req.context, 'os_compute_api:os-hosts:list', {})
    zone = req.GET.get('zone')
    hosts = []
    for service in objects.ServiceList.get_all(req.context):
        entry = {'host_name': service.host,
                 'service': service.topic or service.binary,
                 'zone': az.zone_of(service)}
        if zone is None or entry['zone'] == zone:
            hosts.append(entry)
    return {'hosts': hosts}


def hosts_show(req, host_name):
    policy.authorize(req.context, 'os_compute_api:os-hosts:show', {})
    nodes = [n for n in _nodes(req.context) if n.host == host_name]
    if not nodes:
        raise webob.exc.HTTPNotFound(
            explanation='Compute host %s could not be found.' % host_name)

    def resource(project, cpu, memory_mb, disk_gb):
        return {'resource': {'host': host_name, 'project': project,
                             'cpu': cpu, 'memory_mb': memory_mb,
                             'disk_gb': disk_gb}}

    usage = hypervisor_db.usage_by_project_on_host(req.context, host_name)
    result = [
        resource('(total)', sum(n.vcpus for n in nodes),
                 sum(n.memory_mb for n in nodes),
                 sum(n.local_gb for n in nodes)),
        resource('(used_now)', sum(n.vcpus_used for n in nodes),
                 sum(n.memory_mb_used for n in nodes),
                 sum(n.local_gb_used for n in nodes)),
        resource('(used_max)', sum(u[1] for u in usage),
                 sum(u[2] for u in usage), sum(u[3] for u in usage)),
    ]
    result.extend(resource(*row) for row in usage)
    return {'host': result}
