"""What the metadata API tells one instance: the EC2 tree
(``/<version>/meta-data/...``, ``/<version>/user-data``) and the
OpenStack tree (``/openstack/<version>/meta_data.json`` ...), built from
the database once per instance and kept for ``metadata_cache_expiration``
seconds."""

import base64
import json
import os

from nimbus.conf import CONF
from nimbus.db.api import ec2_id
from nimbus.db.api import floating_ip as floating_ip_db
from nimbus.db.api import security_group as sg_db
from nimbus.network import model as network_model

# EC2 metadata versions, oldest first (the dates of Amazon's API).
EC2_VERSIONS = ('1.0', '2007-01-19', '2007-03-01', '2007-08-29',
                '2007-10-10', '2007-12-15', '2008-02-01', '2008-09-01',
                '2009-04-04')

# OpenStack metadata versions, and what each added.
FOLSOM = '2012-08-10'
GRIZZLY = '2013-04-04'      # random_seed
LIBERTY = '2015-10-15'      # network_data.json
NEWTON_ONE = '2016-06-30'   # devices, keys
NEWTON_TWO = '2016-10-06'   # project_id
OPENSTACK_VERSIONS = (FOLSOM, GRIZZLY, '2013-10-17', LIBERTY, NEWTON_ONE,
                      NEWTON_TWO)

INSTANCE_ATTRS = ['metadata', 'system_metadata', 'info_cache',
                  'security_groups']


class InvalidPath(Exception):
    """Nothing at this path (404)."""


def _hostname(instance):
    name = instance.hostname or 'instance-%08x' % instance.id
    if CONF.api.dhcp_domain:
        return '%s.%s' % (name, CONF.api.dhcp_domain)
    return name


class InstanceMetadata:
    """The metadata of one instance (an Instance object with
    INSTANCE_ATTRS loaded)."""

    def __init__(self, context, instance):
        self.instance = instance
        self.network_info = list(
            getattr(instance.info_cache, 'network_info', None) or [])
        self.fixed_ips = network_model.fixed_addresses(self.network_info)
        self.floating_ips = [
            row['address'] for row in
            floating_ip_db.floating_ip_get_by_instance(context,
                                                       instance.uuid)]
        self.security_groups = [
            group['name'] for group in
            sg_db.security_group_get_by_instance(context, instance.uuid)]
        self.ec2_instance_id = 'i-%08x' % ec2_id.ec2_instance_id(
            context, instance.uuid)
        self.ami_id = ('ami-%08x' % ec2_id.ec2_image_id(
            context, instance.image_ref) if instance.image_ref else None)
        self.user_data = (base64.b64decode(instance.user_data)
                          if instance.user_data else None)
        self.random_seed = base64.b64encode(os.urandom(512)).decode()

    # EC2 --------------------------------------------------------------------

    def _availability_zone(self):
        return (self.instance.availability_zone or
                CONF.default_availability_zone)

    def ec2_metadata(self):
        instance = self.instance
        hostname = _hostname(instance)
        flavor = instance.flavor
        meta = {
            'ami-id': self.ami_id or '',
            'ami-launch-index': instance.launch_index or 0,
            'ami-manifest-path': 'FIXME',
            'block-device-mapping': {'ami': 'vda', 'root': '/dev/vda'},
            'hostname': hostname,
            'instance-action': 'none',
            'instance-id': self.ec2_instance_id,
            'instance-type': flavor.name if flavor is not None else '',
            'local-hostname': hostname,
            'local-ipv4': self.fixed_ips[0] if self.fixed_ips else '',
            'placement': {'availability-zone': self._availability_zone()},
            'public-hostname': hostname,
            'public-ipv4': self.floating_ips[0] if self.floating_ips else '',
            'reservation-id': instance.reservation_id or '',
            'security-groups': '\n'.join(self.security_groups),
        }
        if instance.key_name and instance.key_data:
            meta['public-keys'] = {
                '0': {'_name': '0=%s' % instance.key_name,
                      'openssh-key': instance.key_data}}
        return meta

    def lookup_ec2(self, version, parts):
        """``parts``: the path below /<version>/."""
        if version != 'latest' and version not in EC2_VERSIONS:
            raise InvalidPath()
        if not parts:
            listing = ['meta-data/']
            if self.user_data is not None:
                listing.append('user-data')
            return listing
        if parts[0] == 'user-data' and len(parts) == 1:
            if self.user_data is None:
                raise InvalidPath()
            return self.user_data
        if parts[0] != 'meta-data':
            raise InvalidPath()
        return _walk(self.ec2_metadata(), parts[1:])

    # OpenStack ---------------------------------------------------------------

    def _keys(self):
        instance = self.instance
        if not (instance.key_name and instance.key_data):
            return []
        return [{'name': instance.key_name, 'type': 'ssh',
                 'data': instance.key_data}]

    def meta_data_json(self, version):
        instance = self.instance
        meta = {
            'uuid': instance.uuid,
            'name': instance.display_name or '',
            'hostname': _hostname(instance),
            'launch_index': instance.launch_index or 0,
            'availability_zone': self._availability_zone(),
            'meta': dict(instance.metadata or {}),
            'public_keys': {key['name']: key['data']
                            for key in self._keys()},
        }
        if _at_least(version, GRIZZLY):
            meta['random_seed'] = self.random_seed
        if _at_least(version, NEWTON_ONE):
            meta['keys'] = self._keys()
            meta['devices'] = []
        if _at_least(version, NEWTON_TWO):
            meta['project_id'] = instance.project_id
        return meta

    def network_data_json(self):
        return network_data(self.network_info)

    def lookup_openstack(self, version, parts):
        if version != 'latest' and version not in OPENSTACK_VERSIONS:
            raise InvalidPath()
        files = {'meta_data.json': lambda: _json(
            self.meta_data_json(version)),
            'vendor_data.json': lambda: _json({})}
        if self.user_data is not None:
            files['user_data'] = lambda: self.user_data
        if _at_least(version, LIBERTY):
            files['network_data.json'] = lambda: _json(
                self.network_data_json())
        if not parts:
            return sorted(files)
        if len(parts) != 1 or parts[0] not in files:
            raise InvalidPath()
        return files[parts[0]]()


def _at_least(version, wanted):
    return version == 'latest' or version >= wanted


def _json(data):
    return json.dumps(data, sort_keys=True)


def _walk(tree, parts):
    """The value at ``parts`` of a nested dict; a dict is answered with
    its listing (``key/`` for a subtree, or its ``_name``)."""
    node = tree
    for part in parts:
        if not isinstance(node, dict) or part.startswith('_') or (
                part not in node):
            raise InvalidPath()
        node = node[part]
    if isinstance(node, dict):
        listing = []
        for key in sorted(node):
            if key.startswith('_'):
                continue
            value = node[key]
            if isinstance(value, dict):
                listing.append(value.get('_name') or key + '/')
            else:
                listing.append(key)
        return listing
    return node


def network_data(network_info):
    """network_data.json: the links (interfaces), networks (static IPv4
    configuration) and DNS services of ``network_info``."""
    links, networks, services = [], [], []
    for index, vif in enumerate(network_info):
        network = vif['network']
        links.append({'id': vif['devname'], 'vif_id': vif['id'],
                      'type': 'bridge' if vif.get('type') == 'bridge'
                      else 'phy',
                      'ethernet_mac_address': vif['address'], 'mtu': None})
        for subnet in network['subnets']:
            dns = [entry['address'] for entry in subnet.get('dns') or []]
            for ip in subnet['ips']:
                routes = []
                gateway = (subnet.get('gateway') or {}).get('address')
                if gateway:
                    routes.append({'network': '0.0.0.0',
                                   'netmask': '0.0.0.0',
                                   'gateway': gateway})
                networks.append({
                    'id': 'network%d' % len(networks),
                    'type': 'ipv4', 'link': vif['devname'],
                    'ip_address': ip['address'],
                    'netmask': subnet['netmask'], 'routes': routes,
                    'network_id': network['id'],
                    'services': [{'type': 'dns', 'address': address}
                                 for address in dns]})
                for address in dns:
                    service = {'type': 'dns', 'address': address}
                    if service not in services:
                        services.append(service)
    return {'links': links, 'networks': networks, 'services': services}
