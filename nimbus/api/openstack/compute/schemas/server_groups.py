"""Request bodies of /os-server-groups."""

import copy

from nimbus.api.openstack.compute.schemas import servers

create = {
    'type': 'object',
    'properties': {
        'server_group': {
            'type': 'object',
            'properties': {
                'name': servers.name,
                # One policy, in a list (until 2.64 changed the shape).
                'policies': {
                    'type': 'array',
                    'items': {'type': 'string',
                              'enum': ['anti-affinity', 'affinity']},
                    'uniqueItems': True, 'minItems': 1, 'maxItems': 1,
                },
            },
            'required': ['name', 'policies'],
            'additionalProperties': False,
        },
    },
    'required': ['server_group'],
    'additionalProperties': False,
}

# 2.15: the soft policies, preferences rather than rules.
create_v215 = copy.deepcopy(create)
create_v215['properties']['server_group']['properties']['policies'][
    'items']['enum'] = ['anti-affinity', 'affinity', 'soft-anti-affinity',
                        'soft-affinity']
