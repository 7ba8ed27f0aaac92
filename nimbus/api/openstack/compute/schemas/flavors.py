"""Request bodies of /flavors, their extra specs and access actions."""

MAX_INT = 2147483647

# An integer, or a string of digits (Nova accepts "512").
_integer = {'type': ['integer', 'string'], 'pattern': '^[0-9]+$'}


def _int_param(minimum):
    return dict(_integer, minimum=minimum, maximum=MAX_INT)


create = {
    'type': 'object',
    'properties': {
        'flavor': {
            'type': 'object',
            'properties': {
                'name': {'type': 'string', 'minLength': 1, 'maxLength': 255,
                         'pattern': r'^(?!\s)[^\x00-\x1f]*(?<!\s)$'},
                'id': {'type': ['string', 'integer', 'null'],
                       'minLength': 1, 'maxLength': 255,
                       'pattern': r'^(?! )[a-zA-Z0-9. _-]+(?<! )$'},
                'ram': _int_param(1),
                'vcpus': _int_param(1),
                'disk': _int_param(0),
                'OS-FLV-EXT-DATA:ephemeral': _int_param(0),
                'swap': _int_param(0),
                'rxtx_factor': {'type': ['number', 'string'],
                                'pattern': r'^[0-9]+(\.[0-9]+)?$',
                                'minimum': 0, 'exclusiveMinimum': True,
                                'maximum': 3.40282e38},
                'os-flavor-access:is_public': {'type': 'boolean'},
            },
            'required': ['name', 'ram', 'vcpus', 'disk'],
            'additionalProperties': False,
        },
    },
    'required': ['flavor'],
    'additionalProperties': False,
}

_SPEC_KEY = r'^[a-zA-Z0-9-_:. ]{1,255}$'
_spec_value = {'type': ['string', 'number', 'boolean'], 'minLength': 0,
               'maxLength': 255}

extra_specs_create = {
    'type': 'object',
    'properties': {
        'extra_specs': {
            'type': 'object',
            'patternProperties': {_SPEC_KEY: _spec_value},
            'additionalProperties': False,
        },
    },
    'required': ['extra_specs'],
    'additionalProperties': False,
}

extra_spec_update = {
    'type': 'object',
    'patternProperties': {_SPEC_KEY: _spec_value},
    'minProperties': 1,
    'maxProperties': 1,
    'additionalProperties': False,
}

_tenant = {
    'type': 'object',
    'properties': {
        'tenant': {'type': 'string', 'minLength': 1, 'maxLength': 255,
                   'pattern': r'^[a-zA-Z0-9-_.:@ ]+$'},
    },
    'required': ['tenant'],
    'additionalProperties': False,
}

action = {
    'type': 'object',
    'properties': {
        'addTenantAccess': _tenant,
        'removeTenantAccess': _tenant,
    },
    'minProperties': 1,
    'maxProperties': 1,
    'additionalProperties': False,
}
