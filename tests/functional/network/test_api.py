"""nimbus.network.api.API: what the Compute API calls."""

import pytest

from nimbus import context as nimbus_context
from nimbus import exception
from nimbus.network import api as network_api
from nimbus.network import manager as network_manager
from tests.functional.network.conftest import make_instance


def _user(project):
    return nimbus_context.RequestContext(user_id='u', project_id=project,
                                         roles=['member'])


@pytest.fixture
def api(admin):
    return network_api.API()


@pytest.fixture
def nets(admin, api):
    shared = api.create(admin, label='shared', fixed_range_v4='10.0.0.0/24')
    own = api.create(admin, label='own', fixed_range_v4='10.1.0.0/24',
                     bridge='br101', project_id='demo')
    other = api.create(admin, label='other', fixed_range_v4='10.2.0.0/24',
                       bridge='br102', project_id='other')
    return shared[0], own[0], other[0]


def test_create_returns_networks_by_uuid(nets):
    shared, _, _ = nets
    assert shared['id'] == shared['uuid']
    assert (shared['label'], shared['cidr'], shared['netmask'],
            shared['gateway'], shared['broadcast'], shared['dhcp_start'],
            shared['bridge'], shared['vlan'], shared['multi_host'],
            shared['deleted']) == (
        'shared', '10.0.0.0/24', '255.255.255.0', '10.0.0.1', '10.0.0.255',
        '10.0.0.2', 'br100', None, False, False)


def test_get_all_shows_a_project_its_own_and_shared_networks(
        admin, api, nets):
    shared, own, other = nets
    assert [n['label'] for n in api.get_all(admin)] == ['shared', 'own',
                                                        'other']
    assert [n['label'] for n in api.get_all(_user('demo'))] == ['shared',
                                                                'own']
    assert api.get(_user('demo'), own['id'])['cidr'] == '10.1.0.0/24'
    with pytest.raises(exception.NetworkNotFound):
        api.get(_user('demo'), other['id'])
    with pytest.raises(exception.NetworkNotFound):
        api.get(admin, 'c0ffee00-0000-4000-8000-000000000000')


def test_validate_networks(admin, api, nets, start_network):
    shared, own, other = nets
    user = _user('demo')
    for value in (None, 'auto', 'none', [{'uuid': shared['id']}],
                  [{'uuid': own['id'], 'fixed_ip': '10.1.0.9'}]):
        api.validate_networks(user, value)
    with pytest.raises(exception.NetworkNotFound):
        api.validate_networks(user, [{'uuid': other['id']}])
    missing = 'c0ffee00-0000-4000-8000-000000000000'
    with pytest.raises(exception.NetworkNotFound):
        api.validate_networks(user, [{'uuid': missing}])
    with pytest.raises(exception.FixedIpNotFoundForNetwork):
        api.validate_networks(user, [{'uuid': own['id'],
                                      'fixed_ip': '10.0.0.9'}])
    with pytest.raises(exception.FixedIpReserved):
        api.validate_networks(user, [{'uuid': own['id'],
                                      'fixed_ip': '10.1.0.1'}])
    with pytest.raises(exception.NetworkDuplicated):
        api.validate_networks(user, [{'uuid': own['id']},
                                     {'uuid': own['id']}])
    with pytest.raises(exception.Invalid):
        api.validate_networks(user, 'everything')

    start_network(network_manager.FlatDHCPManager)
    api.allocate_for_instance(
        user, make_instance(admin), 'demo', 'test-host',
        requested_networks=[{'uuid': own['id'], 'fixed_ip': '10.1.0.9'}])
    with pytest.raises(exception.FixedIpAlreadyInUse):
        api.validate_networks(user, [{'uuid': own['id'],
                                      'fixed_ip': '10.1.0.9'}])


def test_allocate_and_deallocate_through_the_api(admin, api, nets,
                                                 start_network):
    start_network(network_manager.FlatDHCPManager)
    user = _user('demo')
    instance = make_instance(admin)
    nw_info = api.allocate_for_instance(user, instance, 'demo', 'test-host')
    assert [vif['network']['label'] for vif in nw_info] == ['shared', 'own']
    assert api.get_instance_nw_info(user, instance) == nw_info
    with pytest.raises(exception.NetworkInUse):
        api.delete(admin, nets[0]['id'])
    api.deallocate_for_instance(user, instance, host='test-host')
    assert api.get_instance_nw_info(user, instance) == []
    api.delete(admin, nets[0]['id'])
    assert [n['label'] for n in api.get_all(admin)] == ['own', 'other']


def test_create_refuses_and_writes_nothing(admin, api, nets):
    with pytest.raises(exception.CidrConflict):
        api.create(admin, label='clash', fixed_range_v4='10.0.0.128/25',
                   bridge='br200')
    with pytest.raises(exception.BridgeInUse):
        api.create(admin, label='clash', fixed_range_v4='10.5.0.0/24')
    with pytest.raises(exception.Invalid):
        api.create(admin, label='bad', fixed_range_v4='10.5.0.0/33')
    assert len(api.get_all(admin)) == 3
