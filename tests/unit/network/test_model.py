"""The shapes that cross nimbus-network's boundary: requested networks in,
network_info out."""

import json

import pytest

from nimbus import exception
from nimbus.network import model

NET = '3fa85f64-5717-4562-b3fc-2c963f66afa6'
NET2 = '9b2c1e55-3ce4-4b3f-8a54-0f1e3a2d6f10'


@pytest.mark.parametrize('value', [None, 'auto', 'AUTO', ' auto ', []])
def test_auto_means_every_available_network(value):
    assert model.parse_requested_networks(value) is None


def test_none_means_no_network():
    assert model.parse_requested_networks('none') == []


def test_list_of_requests_keeps_order_and_addresses():
    assert model.parse_requested_networks([
        {'uuid': NET2, 'fixed_ip': '10.0.0.9'}, {'uuid': NET}]) == [
        (NET2, '10.0.0.9'), (NET, None)]


def test_nova_pairs_are_accepted():
    assert model.parse_requested_networks([[NET, None], (NET2, '10.1.0.4')
                                           ]) == [(NET, None),
                                                  (NET2, '10.1.0.4')]


@pytest.mark.parametrize('value, error', [
    ('some', exception.Invalid),
    (42, exception.Invalid),
    ([{'uuid': 'not-a-uuid'}], exception.Invalid),
    ([{}], exception.Invalid),
    ([{'uuid': NET, 'port': 'x'}], exception.Invalid),
    (['just-a-string'], exception.Invalid),
    ([{'uuid': NET, 'fixed_ip': '10.0.0.300'}], exception.FixedIpInvalid),
    ([{'uuid': NET, 'fixed_ip': 'fd00::5'}], exception.FixedIpInvalid),
    ([{'uuid': NET}, {'uuid': NET}], exception.NetworkDuplicated),
])
def test_bad_requests_are_refused(value, error):
    with pytest.raises(error):
        model.parse_requested_networks(value)


def _network(**overrides):
    network = {
        'id': 1, 'uuid': NET, 'label': 'private', 'cidr': '10.0.0.0/24',
        'netmask': '255.255.255.0', 'broadcast': '10.0.0.255',
        'gateway': '10.0.0.1', 'dhcp_server': '10.0.0.1', 'dns1': '8.8.8.8',
        'dns2': None, 'bridge': 'br100', 'bridge_interface': 'eth1',
        'vlan': None, 'multi_host': False, 'injected': False,
        'project_id': None}
    network.update(overrides)
    return network


VIF = {'id': 7, 'uuid': 'd6f4a6b0-7b8e-4c77-9d0a-6a1b8f1a2b3c',
       'address': 'fa:16:3e:12:34:56'}


def test_vif_info_has_novas_shape_and_is_json_safe():
    info = model.vif_info(VIF, _network(), ['10.0.0.2'])
    assert info == {
        'id': VIF['uuid'], 'address': 'fa:16:3e:12:34:56', 'type': 'bridge',
        'devname': 'tapd6f4a6b0-7b',
        'network': {
            'id': NET, 'label': 'private', 'bridge': 'br100',
            'bridge_interface': 'eth1', 'vlan': None, 'multi_host': False,
            'injected': False, 'tenant_id': None,
            'subnets': [{
                'cidr': '10.0.0.0/24', 'version': 4,
                'netmask': '255.255.255.0', 'broadcast': '10.0.0.255',
                'gateway': {'address': '10.0.0.1', 'type': 'gateway',
                            'version': 4},
                'dns': [{'address': '8.8.8.8', 'type': 'dns', 'version': 4}],
                'ips': [{'address': '10.0.0.2', 'type': 'fixed',
                         'version': 4, 'floating_ips': []}],
                'routes': [],
                'dhcp_server': '10.0.0.1'}]}}
    assert json.loads(json.dumps([info])) == [info]
    assert len(info['devname']) <= 15


def test_dhcp_server_of_a_multi_host_network_is_the_hosts_address():
    info = model.vif_info(VIF, _network(multi_host=True, vlan=100),
                          ['10.0.0.5'], dhcp_server='10.0.0.3')
    subnet = info['network']['subnets'][0]
    assert subnet['dhcp_server'] == '10.0.0.3'
    assert subnet['gateway']['address'] == '10.0.0.1'
    assert info['network']['multi_host'] is True
    assert info['network']['vlan'] == 100


def test_fixed_addresses():
    nw_info = [model.vif_info(VIF, _network(), ['10.0.0.2']),
               model.vif_info(VIF, _network(cidr='10.1.0.0/24'),
                              ['10.1.0.2'])]
    assert model.fixed_addresses(nw_info) == ['10.0.0.2', '10.1.0.2']
