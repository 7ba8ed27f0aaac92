"""Images as the image API shows them (Glance v2's representation)."""

# Always present, null when unknown, as in Glance.
ATTRIBUTES = ('name', 'disk_format', 'container_format', 'visibility',
              'size', 'virtual_size', 'status', 'checksum', 'protected',
              'min_ram', 'min_disk', 'owner', 'os_hash_algo',
              'os_hash_value')


def isotime(value):
    """Glance's timestamps: ISO 8601 to the second, with a Z."""
    if value is None:
        return None
    return value.strftime('%Y-%m-%dT%H:%M:%SZ')


def image(image):
    """One image: extra properties flattened beside the attributes."""
    view = dict(image['properties'])
    for key in ATTRIBUTES:
        view[key] = image[key]
    image_id = image['id']
    view.update({
        'id': image_id,
        'tags': list(image['tags']),
        'created_at': isotime(image['created_at']),
        # Glance sets updated_at at creation; our rows only on change.
        'updated_at': isotime(image['updated_at'] or image['created_at']),
        'self': '/v2/images/%s' % image_id,
        'file': '/v2/images/%s/file' % image_id,
        'schema': '/v2/schemas/image',
    })
    return view
