"""Request bodies of /os-quota-sets and /os-quota-class-sets."""

# Nova-network era resources, dropped from the API at 2.36.
NETWORK_RESOURCES = ('fixed_ips', 'floating_ips', 'security_groups',
                     'security_group_rules')

API_RESOURCES = ('instances', 'cores', 'ram', 'floating_ips', 'fixed_ips',
                 'metadata_items', 'key_pairs', 'security_groups',
                 'security_group_rules', 'injected_files',
                 'injected_file_content_bytes', 'injected_file_path_bytes',
                 'server_groups', 'server_group_members')

_limit = {'type': ['integer', 'string'], 'pattern': '^-?[0-9]+$',
          'minimum': -1, 'maximum': 2147483647}


def _set(key, resources, force=True):
    properties = {name: _limit for name in resources}
    if force:
        properties['force'] = {'type': ['boolean', 'string'],
                               'enum': [True, False, 'True', 'False',
                                        'true', 'false']}
    return {
        'type': 'object',
        'properties': {
            key: {'type': 'object', 'properties': properties,
                  'additionalProperties': False},
        },
        'required': [key],
        'additionalProperties': False,
    }


update = _set('quota_set', API_RESOURCES)
update_v236 = _set('quota_set', [r for r in API_RESOURCES
                                 if r not in NETWORK_RESOURCES])
class_update = _set('quota_class_set', API_RESOURCES, force=False)
