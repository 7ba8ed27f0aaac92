"""Reading the request_spec and filter_properties dicts."""

import pytest

from nimbus import exception
from nimbus.scheduler import request_spec
from tests.unit.scheduler import fakes


def test_flavor_sizes_and_disk_in_mb():
    spec = fakes.spec(memory_mb=2048, vcpus=2, root_gb=10, ephemeral_gb=5,
                      swap=512)
    assert (spec.memory_mb, spec.vcpus, spec.disk_mb) == (
        2048, 2, 15 * 1024 + 512)


def test_num_instances_defaults_to_the_uuids():
    spec = request_spec.RequestSpec({'instance_uuids': ['a', 'b'],
                                     'flavor': {'memory_mb': 1}})
    assert spec.num_instances == 2
    assert request_spec.RequestSpec({}).num_instances == 1


def test_bad_values_are_invalid():
    with pytest.raises(exception.Invalid):
        request_spec.RequestSpec({'flavor': {'memory_mb': 'lots'}})
    with pytest.raises(exception.Invalid):
        request_spec.RequestSpec({'num_instances': 0})


def test_zone_host_node_forces_host_and_node():
    spec = fakes.spec(availability_zone='az1:host7:node3')
    assert (spec.availability_zone, spec.force_hosts, spec.force_nodes) == (
        'az1', ['host7'], ['node3'])
    spec = fakes.spec(availability_zone=':host7')
    assert (spec.availability_zone, spec.force_hosts) == (None, ['host7'])
    assert not fakes.spec(availability_zone='az1').forced


def test_retry_hosts_and_attempts():
    spec = fakes.spec(retry={'num_attempts': 2,
                             'hosts': [['h1', 'n1'], ('h2', 'n2')]})
    assert spec.num_attempts == 2
    assert spec.retry_hosts == {('h1', 'n1'), ('h2', 'n2')}


def test_hint_lists():
    spec = fakes.spec(hints={'same_host': 'u1', 'different_host': ['a', 'b']})
    assert spec.get_hint_list('same_host') == ['u1']
    assert spec.get_hint_list('different_host') == ['a', 'b']
    assert spec.get_hint_list('group') == []


def test_image_properties_are_canonical():
    spec = fakes.spec(image_properties={'architecture': 'AMD64',
                                        'hypervisor_type': 'KVM'})
    assert spec.instance_type_props == ('x86_64', 'kvm', None)
