"""Request bodies of PUT /os-services/{action}."""

import copy

_host = {'type': 'string', 'minLength': 1, 'maxLength': 255}

service_update = {
    'type': 'object',
    'properties': {
        'host': _host,
        'binary': _host,
        'disabled_reason': {'type': 'string', 'minLength': 1,
                            'maxLength': 255},
    },
    'required': ['host', 'binary'],
    'additionalProperties': False,
}

# 2.11: forced_down.
service_update_v211 = copy.deepcopy(service_update)
service_update_v211['properties']['forced_down'] = {'type': 'boolean'}
