"""The image client's translation between Glance documents and nimbus's
image dicts."""

import datetime

from nimbus.image import glance


DOC = {
    'id': 'i1', 'name': 'cirros', 'status': 'active', 'visibility': 'public',
    'protected': False, 'tags': ['t'], 'container_format': 'bare',
    'disk_format': 'qcow2', 'min_ram': 0, 'min_disk': 1, 'size': 10,
    'virtual_size': 20, 'checksum': 'c', 'os_hash_algo': 'sha512',
    'os_hash_value': 'h', 'owner': 'p', 'created_at': '2026-01-02T03:04:05Z',
    'updated_at': '2026-01-02T03:04:06Z', 'self': '/v2/images/i1',
    'file': '/v2/images/i1/file', 'schema': '/v2/schemas/image',
    'kernel_id': 'k', 'ramdisk_id': 'r', 'os_hidden': False,
}


def test_from_glance():
    image = glance.from_glance(DOC)
    assert image['properties'] == {'kernel_id': 'k', 'ramdisk_id': 'r'}
    assert image['created_at'] == datetime.datetime(2026, 1, 2, 3, 4, 5)
    assert image['updated_at'].tzinfo is None
    assert image['min_disk'] == 1
    assert 'self' not in image and 'kernel_id' not in image


def test_to_glance_drops_read_only_and_stringifies_properties():
    body = glance.to_glance(dict(glance.from_glance(DOC), properties={
        'kernel_id': 'k', 'hw_cpu_cores': 2, 'gone': None}))
    assert body == {'id': 'i1', 'name': 'cirros', 'disk_format': 'qcow2',
                    'container_format': 'bare', 'min_disk': 1, 'min_ram': 0,
                    'owner': 'p', 'visibility': 'public', 'protected': False,
                    'tags': ['t'], 'kernel_id': 'k', 'hw_cpu_cores': '2'}
