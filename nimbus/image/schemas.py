"""JSON schemas of the image API: the documents served at /v2/schemas/…
(Glance's shape, which glanceclient reads) and the request checks made
from them.

Formats come from ``[image_format]``, so the schemas are built per call.
"""

from nimbus.conf import CONF

# Set by the service, never by a request (Glance answers 403).
READ_ONLY = ('checksum', 'created_at', 'updated_at', 'size', 'virtual_size',
             'status', 'self', 'file', 'schema', 'direct_url', 'locations',
             'os_hash_algo', 'os_hash_value')
RESERVED = ('deleted', 'deleted_at', 'location')

VISIBILITIES = ('public', 'private', 'shared', 'community')
STATUSES = ('queued', 'saving', 'active', 'killed', 'deleted',
            'pending_delete', 'deactivated', 'uploading', 'importing')

UUID_PATTERN = ('^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}'
                '-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$')


def _nullable_enum(values):
    return {'type': ['null', 'string'], 'enum': [None] + list(values)}


def image_properties():
    """The base attributes of an image, as Glance describes them."""
    return {
        'id': {'type': 'string', 'pattern': UUID_PATTERN,
               'description': 'An identifier for the image'},
        'name': {'type': ['null', 'string'], 'maxLength': 255,
                 'description': 'Descriptive name for the image'},
        'status': {'type': 'string', 'readOnly': True,
                   'enum': list(STATUSES),
                   'description': 'Status of the image'},
        'visibility': {'type': 'string', 'enum': list(VISIBILITIES),
                       'description': 'Scope of image accessibility'},
        'protected': {'type': 'boolean',
                      'description': 'If true, image will not be '
                                     'deletable.'},
        'checksum': {'type': ['null', 'string'], 'readOnly': True,
                     'maxLength': 32,
                     'description': 'md5 hash of image contents.'},
        'os_hash_algo': {'type': ['null', 'string'], 'readOnly': True,
                         'maxLength': 64,
                         'description': 'Algorithm to calculate the '
                                        'os_hash_value'},
        'os_hash_value': {'type': ['null', 'string'], 'readOnly': True,
                          'maxLength': 128,
                          'description': 'Hexdigest of the image contents '
                                         'using the algorithm specified by '
                                         'the os_hash_algo'},
        'owner': {'type': ['null', 'string'], 'maxLength': 255,
                  'description': 'Owner of the image'},
        'size': {'type': ['null', 'integer'], 'readOnly': True,
                 'description': 'Size of image file in bytes'},
        'virtual_size': {'type': ['null', 'integer'], 'readOnly': True,
                         'description': 'Virtual size of image in bytes'},
        'container_format': dict(
            _nullable_enum(CONF.image_format.container_formats),
            description='Format of the container'),
        'disk_format': dict(
            _nullable_enum(CONF.image_format.disk_formats),
            description='Format of the disk'),
        'created_at': {'type': 'string', 'readOnly': True,
                       'description': 'Date and time of image registration'},
        'updated_at': {'type': 'string', 'readOnly': True,
                       'description': 'Date and time of the last image '
                                      'modification'},
        'tags': {'type': 'array', 'items': {'type': 'string',
                                            'maxLength': 255},
                 'description': 'List of strings related to the image'},
        'direct_url': {'type': 'string', 'readOnly': True,
                       'description': 'URL to access the image file kept '
                                      'in external store'},
        'min_ram': {'type': 'integer', 'minimum': 0, 'maximum': 2 ** 31 - 1,
                    'description': 'Amount of ram (in MB) required to boot '
                                   'image.'},
        'min_disk': {'type': 'integer', 'minimum': 0,
                     'maximum': 2 ** 31 - 1,
                     'description': 'Amount of disk space (in GB) required '
                                    'to boot image.'},
        'self': {'type': 'string', 'readOnly': True,
                 'description': 'An image self url'},
        'file': {'type': 'string', 'readOnly': True,
                 'description': 'An image file url'},
        'schema': {'type': 'string', 'readOnly': True,
                   'description': 'An image schema url'},
        'kernel_id': {'type': ['null', 'string'], 'pattern': UUID_PATTERN,
                      'description': 'ID of image stored in the image '
                                     'service that should be used as the '
                                     'kernel when booting an AMI-style '
                                     'image.', 'is_base': False},
        'ramdisk_id': {'type': ['null', 'string'], 'pattern': UUID_PATTERN,
                       'description': 'ID of image stored in the image '
                                      'service that should be used as the '
                                      'ramdisk when booting an AMI-style '
                                      'image.', 'is_base': False},
        'architecture': {'type': 'string', 'is_base': False,
                         'description': 'Operating system architecture'},
        'os_distro': {'type': 'string', 'is_base': False,
                      'description': 'Common name of operating system '
                                     'distribution'},
        'os_version': {'type': 'string', 'is_base': False,
                       'description': 'Operating system version'},
        'hypervisor_type': {'type': 'string', 'is_base': False,
                            'description': 'Hypervisor the image runs on'},
    }


# Columns of the images table a request may set.
BASE_ATTRIBUTES = ('id', 'name', 'visibility', 'protected', 'owner',
                   'container_format', 'disk_format', 'min_ram', 'min_disk',
                   'tags')

# Extra properties are free-form strings, as in Glance.
EXTRA_PROPERTY = {'type': 'string', 'maxLength': 65535}


def image_schema():
    """GET /v2/schemas/image."""
    return {
        'name': 'image',
        'properties': image_properties(),
        'additionalProperties': EXTRA_PROPERTY,
        'links': [
            {'rel': 'self', 'href': '{self}'},
            {'rel': 'enclosure', 'href': '{file}'},
            {'rel': 'describedby', 'href': '{schema}'},
        ],
    }


def images_schema():
    """GET /v2/schemas/images."""
    return {
        'name': 'images',
        'properties': {
            'images': {'type': 'array', 'items': image_schema()},
            'schema': {'type': 'string'},
            'first': {'type': 'string'},
            'next': {'type': 'string'},
        },
        'links': [
            {'rel': 'first', 'href': '{first}'},
            {'rel': 'next', 'href': '{next}'},
            {'rel': 'describedby', 'href': '{schema}'},
        ],
    }


def request_schema():
    """What a create body, or the outcome of a patch, must satisfy."""
    properties = {name: dict(schema) for name, schema in
                  image_properties().items()
                  if name not in READ_ONLY and name not in RESERVED}
    for schema in properties.values():
        schema.pop('is_base', None)
    return {
        'type': 'object',
        'properties': properties,
        'additionalProperties': EXTRA_PROPERTY,
        'propertyNames': {'maxLength': 255, 'minLength': 1},
    }


PATCH_V21 = 'application/openstack-images-v2.1-json-patch'
PATCH_V20 = 'application/openstack-images-v2.0-json-patch'

patch_v21 = {
    'type': 'array',
    'items': {
        'type': 'object',
        'properties': {
            'op': {'type': 'string', 'enum': ['add', 'replace', 'remove']},
            'path': {'type': 'string', 'pattern': '^/[^/]+$'},
            'value': {},
        },
        'required': ['op', 'path'],
    },
}
