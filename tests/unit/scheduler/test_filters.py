"""Each host filter on hand-made host states."""

import json

import pytest

from nimbus.scheduler import filters
from nimbus.scheduler.filters import availability_zone
from nimbus.scheduler.filters import compute
from nimbus.scheduler.filters import core
from nimbus.scheduler.filters import different_host
from nimbus.scheduler.filters import disk
from nimbus.scheduler.filters import image_props
from nimbus.scheduler.filters import ram
from nimbus.scheduler.filters import retry
from nimbus.scheduler.filters import same_host
from tests.unit.scheduler import fakes


def test_all_filters_are_found_by_class_name():
    assert set(filters.all_filters()) == {
        'RetryFilter', 'AvailabilityZoneFilter', 'ComputeFilter',
        'RamFilter', 'CoreFilter', 'DiskFilter', 'ImagePropertiesFilter',
        'SameHostFilter', 'DifferentHostFilter',
        'ServerGroupAffinityFilter', 'ServerGroupAntiAffinityFilter'}


def test_load_filters_by_name_and_dotted_path_in_order():
    loaded = filters.load_filters([
        'RamFilter', 'nimbus.scheduler.filters.retry.RetryFilter'])
    assert [f.name for f in loaded] == ['RamFilter', 'RetryFilter']


def test_load_filters_rejects_unknown_names():
    with pytest.raises(ValueError, match='NoSuchFilter'):
        filters.load_filters(['NoSuchFilter'])


def test_default_filters_load(conf):
    from nimbus.conf import CONF
    assert len(filters.load_filters(CONF.scheduler_default_filters)) == 11


# RetryFilter -------------------------------------------------------------

def test_retry_filter_excludes_hosts_tried_before():
    f = retry.RetryFilter()
    spec = fakes.spec(retry={'num_attempts': 2,
                             'hosts': [['host1', 'node1']]})
    assert not f.host_passes(fakes.host_state('host1', 'node1'), spec)
    assert f.host_passes(fakes.host_state('host1', 'node2'), spec)
    assert f.host_passes(fakes.host_state('host2', 'node1'), spec)


def test_retry_filter_passes_all_without_retry():
    assert retry.RetryFilter().host_passes(fakes.host_state(), fakes.spec())


# AvailabilityZoneFilter --------------------------------------------------

def test_az_filter_uses_service_zone_else_default(conf):
    conf.config(default_availability_zone='zone-default')
    f = availability_zone.AvailabilityZoneFilter()
    in_a = fakes.host_state(
        'a', service=fakes.service_row('a', availability_zone='zone-a'))
    default = fakes.host_state('b')
    assert default.availability_zone == 'zone-default'
    spec_a = fakes.spec(availability_zone='zone-a')
    assert f.host_passes(in_a, spec_a)
    assert not f.host_passes(default, spec_a)
    assert f.host_passes(default, fakes.spec(
        availability_zone='zone-default'))


def test_az_filter_passes_all_without_zone():
    f = availability_zone.AvailabilityZoneFilter()
    assert f.host_passes(fakes.host_state(), fakes.spec())


def test_default_availability_zone_is_nimbus():
    assert fakes.host_state().availability_zone == 'nimbus'


# ComputeFilter -----------------------------------------------------------

def test_compute_filter_passes_enabled_and_up():
    assert compute.ComputeFilter().host_passes(fakes.host_state(),
                                               fakes.spec())


def test_compute_filter_refuses_disabled_service():
    state = fakes.host_state(service=fakes.service_row('host1',
                                                       disabled=True))
    assert not compute.ComputeFilter().host_passes(state, fakes.spec())


def test_compute_filter_refuses_service_down(conf):
    # The conf fixture sets service_down_time = 5.
    state = fakes.host_state(service=fakes.service_row(
        'host1', last_seen_up=fakes.ago(6)))
    assert not compute.ComputeFilter().host_passes(state, fakes.spec())


def test_compute_filter_refuses_forced_down_and_missing_service():
    f = compute.ComputeFilter()
    forced = fakes.host_state(service=fakes.service_row('host1',
                                                        forced_down=True))
    assert not f.host_passes(forced, fakes.spec())
    missing = fakes.host_state()
    missing.update_from_service(None)
    assert not f.host_passes(missing, fakes.spec())


# RamFilter ---------------------------------------------------------------

def test_ram_filter_uses_allocation_ratio(conf):
    conf.config(ram_allocation_ratio=1.5)
    f = ram.RamFilter()
    # 1024 MB total, 1024 used: 1536 - 1024 = 512 usable.
    state = fakes.host_state(memory_mb=1024, free_ram_mb=0)
    assert f.host_passes(state, fakes.spec(memory_mb=512))
    assert not f.host_passes(state, fakes.spec(memory_mb=513))
    assert f.limits(state) == {'memory_mb': 1536.0}


def test_ram_filter_prefers_the_nodes_own_ratio(conf):
    conf.config(ram_allocation_ratio=1.5)
    state = fakes.host_state(memory_mb=1024, free_ram_mb=1024,
                             ram_allocation_ratio=1.0)
    f = ram.RamFilter()
    assert not f.host_passes(state, fakes.spec(memory_mb=1025))
    assert f.limits(state) == {'memory_mb': 1024.0}


# CoreFilter --------------------------------------------------------------

def test_core_filter_uses_allocation_ratio(conf):
    conf.config(cpu_allocation_ratio=2.0)
    f = core.CoreFilter()
    state = fakes.host_state(vcpus=4, vcpus_used=6)
    assert f.host_passes(state, fakes.spec(vcpus=2))
    assert not f.host_passes(state, fakes.spec(vcpus=3))
    assert f.limits(state) == {'vcpu': 8.0}


def test_core_filter_refuses_more_vcpus_than_the_host_has(conf):
    conf.config(cpu_allocation_ratio=16.0)
    state = fakes.host_state(vcpus=4)
    assert not core.CoreFilter().host_passes(state, fakes.spec(vcpus=5))


def test_core_filter_passes_a_node_reporting_no_cpus():
    state = fakes.host_state(vcpus=0)
    assert core.CoreFilter().host_passes(state, fakes.spec(vcpus=4))
    assert core.CoreFilter().limits(state) is None


# DiskFilter --------------------------------------------------------------

def test_disk_filter_counts_root_ephemeral_and_swap(conf):
    conf.config(disk_allocation_ratio=1.0)
    f = disk.DiskFilter()
    state = fakes.host_state(local_gb=10, free_disk_gb=4)
    assert f.host_passes(state, fakes.spec(root_gb=3, ephemeral_gb=1))
    assert not f.host_passes(state, fakes.spec(root_gb=3, ephemeral_gb=1,
                                               swap=1))
    assert f.limits(state) == {'disk_gb': 10.0}


def test_disk_filter_oversubscribes_with_ratio(conf):
    conf.config(disk_allocation_ratio=2.0)
    state = fakes.host_state(local_gb=10, free_disk_gb=0)
    assert disk.DiskFilter().host_passes(state, fakes.spec(root_gb=10))
    assert not disk.DiskFilter().host_passes(state, fakes.spec(root_gb=11))


def test_disk_available_least_lowers_free_disk():
    state = fakes.host_state(local_gb=100, free_disk_gb=50,
                             disk_available_least=20)
    assert state.free_disk_mb == 20 * 1024


# ImagePropertiesFilter ---------------------------------------------------

def _kvm_host(supported):
    return fakes.host_state(supported_instances=json.dumps(supported))


def test_image_props_filter_matches_supported_instances():
    f = image_props.ImagePropertiesFilter()
    state = _kvm_host([['x86_64', 'kvm', 'hvm'], ['i686', 'kvm', 'hvm']])
    assert f.host_passes(state, fakes.spec(image_properties={
        'architecture': 'x86_64', 'hypervisor_type': 'kvm',
        'vm_mode': 'hvm'}))
    # Aliases and case are canonicalized; unset properties match anything.
    assert f.host_passes(state, fakes.spec(image_properties={
        'architecture': 'AMD64'}))
    assert f.host_passes(state, fakes.spec(image_properties={
        'architecture': 'i386', 'vm_mode': 'HVM'}))
    assert not f.host_passes(state, fakes.spec(image_properties={
        'architecture': 'aarch64'}))
    assert not f.host_passes(state, fakes.spec(image_properties={
        'hypervisor_type': 'xen'}))
    assert not f.host_passes(state, fakes.spec(image_properties={
        'architecture': 'x86_64', 'vm_mode': 'xen'}))


def test_image_props_filter_image_without_properties_runs_anywhere():
    f = image_props.ImagePropertiesFilter()
    assert f.host_passes(fakes.host_state(), fakes.spec(
        image_properties={'kernel_id': 'k'}))


def test_image_props_filter_host_advertising_nothing_takes_only_plain():
    f = image_props.ImagePropertiesFilter()
    state = fakes.host_state(supported_instances=None)
    assert not f.host_passes(state, fakes.spec(image_properties={
        'architecture': 'x86_64'}))


# SameHostFilter / DifferentHostFilter ------------------------------------

class _Context:
    def __init__(self, is_admin=False, project_id='project-1'):
        self.is_admin = is_admin
        self.project_id = project_id


@pytest.fixture
def instance_hosts(monkeypatch):
    """scheduler_db.instance_hosts answering from a dict, recording calls."""
    calls = []
    where = {'u1': 'host1', 'u2': 'host2'}

    def fake(context, uuids, project_id=None):
        calls.append((tuple(uuids), project_id))
        return {where[u] for u in uuids if u in where}
    monkeypatch.setattr(same_host.scheduler_db, 'instance_hosts', fake)
    return calls


def test_same_host_filter(instance_hosts):
    f = same_host.SameHostFilter()
    spec = fakes.spec(hints={'same_host': ['u1']})
    f.prepare(_Context(), spec)
    assert f.host_passes(fakes.host_state('host1'), spec)
    assert not f.host_passes(fakes.host_state('host2'), spec)
    # One query per request, limited to the user's project.
    assert instance_hosts == [(('u1',), 'project-1')]


def test_same_host_filter_single_uuid_string_and_unknown(instance_hosts):
    f = same_host.SameHostFilter()
    spec = fakes.spec(hints={'same_host': 'u2'})
    f.prepare(_Context(is_admin=True), spec)
    assert f.host_passes(fakes.host_state('host2'), spec)
    assert instance_hosts == [(('u2',), None)]
    nowhere = fakes.spec(hints={'same_host': ['unknown']})
    f.prepare(_Context(), nowhere)
    assert not f.host_passes(fakes.host_state('host1'), nowhere)


def test_same_host_filter_without_hint(instance_hosts):
    f = same_host.SameHostFilter()
    spec = fakes.spec()
    f.prepare(_Context(), spec)
    assert f.host_passes(fakes.host_state('host1'), spec)
    assert instance_hosts == []


def test_different_host_filter(instance_hosts):
    f = different_host.DifferentHostFilter()
    spec = fakes.spec(hints={'different_host': ['u1', 'u2']})
    f.prepare(_Context(), spec)
    assert not f.host_passes(fakes.host_state('host1'), spec)
    assert not f.host_passes(fakes.host_state('host2'), spec)
    assert f.host_passes(fakes.host_state('host3'), spec)


def test_different_host_filter_without_hint(instance_hosts):
    f = different_host.DifferentHostFilter()
    spec = fakes.spec()
    f.prepare(_Context(), spec)
    assert f.host_passes(fakes.host_state('host1'), spec)
    assert instance_hosts == []
