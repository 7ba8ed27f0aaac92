"""Request bodies of the nova-network proxies: /os-floating-ips,
/os-security-groups, /os-security-group-rules and the server actions
addFloatingIp, removeFloatingIp, addSecurityGroup, removeSecurityGroup."""

_IPV4 = {'type': 'string', 'format': 'ipv4'}

# The body is optional ({} or none at all: the default pool).
allocate_floating_ip = {
    'type': ['object', 'null'],
    'properties': {
        'pool': {'type': ['string', 'null'], 'maxLength': 255},
    },
    'additionalProperties': False,
}

add_floating_ip = {
    'type': 'object',
    'properties': {
        'addFloatingIp': {
            'type': 'object',
            'properties': {
                'address': _IPV4,
                'fixed_address': _IPV4,
            },
            'required': ['address'],
            'additionalProperties': False,
        },
    },
    'required': ['addFloatingIp'],
    'additionalProperties': False,
}

remove_floating_ip = {
    'type': 'object',
    'properties': {
        'removeFloatingIp': {
            'type': 'object',
            'properties': {'address': _IPV4},
            'required': ['address'],
            'additionalProperties': False,
        },
    },
    'required': ['removeFloatingIp'],
    'additionalProperties': False,
}


def server_security_group(action):
    """addSecurityGroup / removeSecurityGroup: {"name": ...}."""
    return {
        'type': 'object',
        'properties': {
            action: {
                'type': 'object',
                'properties': {
                    'name': {'type': 'string', 'minLength': 1,
                             'maxLength': 255},
                },
                'required': ['name'],
                'additionalProperties': False,
            },
        },
        'required': [action],
        'additionalProperties': False,
    }


_GROUP_TEXT = {'type': 'string', 'maxLength': 255}

security_group = {
    'type': 'object',
    'properties': {
        'security_group': {
            'type': 'object',
            'properties': {
                'name': _GROUP_TEXT,
                'description': _GROUP_TEXT,
            },
            'required': ['name', 'description'],
            'additionalProperties': False,
        },
    },
    'required': ['security_group'],
    'additionalProperties': False,
}

_PORT = {'type': ['integer', 'string', 'null'],
         'pattern': '^-?[0-9]+$'}
_ID = {'type': ['integer', 'string', 'null'], 'pattern': '^[0-9]+$'}

security_group_rule = {
    'type': 'object',
    'properties': {
        'security_group_rule': {
            'type': 'object',
            'properties': {
                'parent_group_id': {'type': ['integer', 'string'],
                                    'pattern': '^[0-9]+$'},
                'ip_protocol': {'type': ['string', 'null']},
                'from_port': _PORT,
                'to_port': _PORT,
                'cidr': {'type': ['string', 'null'], 'maxLength': 43},
                'group_id': _ID,
            },
            'required': ['parent_group_id'],
            'additionalProperties': False,
        },
    },
    'required': ['security_group_rule'],
    'additionalProperties': False,
}
