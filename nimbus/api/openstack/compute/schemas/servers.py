"""Request bodies of /servers and its actions (Nova's v2.1 shapes)."""

import copy

name = {'type': 'string', 'minLength': 1, 'maxLength': 255,
        'pattern': r'^(?!\s)[\S ]*(?<!\s)$'}
name_or_empty = {'type': 'string', 'maxLength': 255}
description = {'type': ['string', 'null'], 'maxLength': 255}
uuid = {'type': 'string', 'format': 'uuid'}
image_ref = {'type': 'string', 'maxLength': 255}
flavor_ref = {'type': ['string', 'integer'], 'minLength': 1}
metadata = {
    'type': 'object',
    'patternProperties': {
        r'^[a-zA-Z0-9-_:. ]{1,255}$': {'type': 'string', 'maxLength': 255},
    },
    'additionalProperties': False,
}
access_ipv4 = {'type': 'string', 'format': 'ipv4'}
access_ipv6 = {'type': 'string', 'format': 'ipv6'}
positive_int = {'type': ['integer', 'string'],
                'pattern': '^[0-9]*$', 'minimum': 1, 'minLength': 1}
boolean = {'type': ['boolean', 'string'],
           'enum': [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on',
                    'YES', 'Yes', 'yes', False, 'False', 'FALSE', 'false',
                    '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']}

_network_item = {
    'type': 'object',
    'properties': {
        'uuid': {'type': 'string'},
        'fixed_ip': {'type': 'string', 'format': 'ipv4'},
        'port': {'type': ['string', 'null']},
    },
    'additionalProperties': False,
}

_bdm_v2 = {
    'type': 'object',
    'properties': {
        'uuid': {'type': 'string', 'maxLength': 255},
        'source_type': {'type': 'string',
                        'enum': ['volume', 'image', 'snapshot', 'blank']},
        'destination_type': {'type': 'string',
                             'enum': ['local', 'volume']},
        'boot_index': {'type': ['integer', 'string', 'null'],
                       'pattern': '^-?[0-9]+$'},
        'delete_on_termination': boolean,
        'volume_size': {'type': ['integer', 'string', 'null'],
                        'pattern': '^[0-9]+$'},
        'device_name': {'type': ['string', 'null'], 'maxLength': 255},
        'device_type': {'type': ['string', 'null']},
        'disk_bus': {'type': ['string', 'null']},
        'guest_format': {'type': ['string', 'null']},
        'no_device': {},
    },
    'additionalProperties': False,
}

_server_create = {
    'type': 'object',
    'properties': {
        'name': name,
        'imageRef': image_ref,
        'flavorRef': flavor_ref,
        'adminPass': {'type': 'string'},
        'metadata': metadata,
        'networks': {'type': 'array', 'items': _network_item},
        'OS-DCF:diskConfig': {'type': 'string',
                              'enum': ['AUTO', 'MANUAL']},
        'accessIPv4': access_ipv4,
        'accessIPv6': access_ipv6,
        'personality': {'type': 'array', 'maxItems': 0},
        'key_name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'user_data': {'type': 'string', 'format': 'base64',
                      'maxLength': 65535},
        'security_groups': {
            'type': 'array',
            'items': {'type': 'object',
                      'properties': {'name': {'type': 'string',
                                              'minLength': 1,
                                              'maxLength': 255}},
                      'required': ['name'], 'additionalProperties': False},
        },
        'availability_zone': {'type': 'string', 'minLength': 1,
                              'maxLength': 255},
        'block_device_mapping_v2': {'type': 'array', 'items': _bdm_v2},
        'config_drive': boolean,
        'min_count': positive_int,
        'max_count': positive_int,
        'return_reservation_id': boolean,
    },
    'required': ['name', 'flavorRef'],
    'additionalProperties': False,
}

_hints = {
    'type': 'object',
    'properties': {
        'same_host': {'type': ['string', 'array'], 'items': uuid},
        'different_host': {'type': ['string', 'array'], 'items': uuid},
        'group': uuid,
    },
    'additionalProperties': True,
}

create = {
    'type': 'object',
    'properties': {
        'server': _server_create,
        'os:scheduler_hints': _hints,
        'OS-SCH-HNT:scheduler_hints': _hints,
    },
    'required': ['server'],
    'additionalProperties': False,
}

create_v219 = copy.deepcopy(create)
create_v219['properties']['server']['properties']['description'] = (
    description)

create_v232 = copy.deepcopy(create_v219)
create_v232['properties']['server']['properties']['networks']['items'][
    'properties']['tag'] = {'type': 'string', 'maxLength': 60,
                            'pattern': '^[^,/]*$'}
create_v232['properties']['server']['properties'][
    'block_device_mapping_v2']['items']['properties']['tag'] = {
        'type': 'string', 'maxLength': 60, 'pattern': '^[^,/]*$'}

create_v237 = copy.deepcopy(create_v232)
create_v237['properties']['server']['properties']['networks'] = {
    'oneOf': [
        {'type': 'array', 'items':
            create_v232['properties']['server']['properties']['networks'][
                'items']},
        {'type': 'string', 'enum': ['none', 'auto']},
    ]}
create_v237['properties']['server']['required'].append('networks')

update = {
    'type': 'object',
    'properties': {
        'server': {
            'type': 'object',
            'properties': {
                'name': name,
                'accessIPv4': access_ipv4,
                'accessIPv6': access_ipv6,
                'OS-DCF:diskConfig': {'type': 'string',
                                      'enum': ['AUTO', 'MANUAL']},
            },
            'additionalProperties': False,
        },
    },
    'required': ['server'],
    'additionalProperties': False,
}

update_v219 = copy.deepcopy(update)
update_v219['properties']['server']['properties']['description'] = (
    description)

reboot = {
    'type': 'object',
    'properties': {
        'reboot': {
            'type': 'object',
            'properties': {
                'type': {'type': 'string',
                         'enum': ['HARD', 'Hard', 'hard', 'SOFT', 'Soft',
                                  'soft']},
            },
            'required': ['type'],
            'additionalProperties': False,
        },
    },
    'required': ['reboot'],
    'additionalProperties': False,
}

rebuild = {
    'type': 'object',
    'properties': {
        'rebuild': {
            'type': 'object',
            'properties': {
                'name': name,
                'imageRef': {'type': 'string', 'minLength': 1},
                'adminPass': {'type': 'string'},
                'metadata': metadata,
                'preserve_ephemeral': boolean,
                'OS-DCF:diskConfig': {'type': 'string',
                                      'enum': ['AUTO', 'MANUAL']},
                'accessIPv4': access_ipv4,
                'accessIPv6': access_ipv6,
                'personality': {'type': 'array', 'maxItems': 0},
            },
            'required': ['imageRef'],
            'additionalProperties': False,
        },
    },
    'required': ['rebuild'],
    'additionalProperties': False,
}

rebuild_v219 = copy.deepcopy(rebuild)
rebuild_v219['properties']['rebuild']['properties']['description'] = (
    description)

resize = {
    'type': 'object',
    'properties': {
        'resize': {
            'type': 'object',
            'properties': {
                'flavorRef': flavor_ref,
                'OS-DCF:diskConfig': {'type': 'string',
                                      'enum': ['AUTO', 'MANUAL']},
            },
            'required': ['flavorRef'],
            'additionalProperties': False,
        },
    },
    'required': ['resize'],
    'additionalProperties': False,
}

create_image = {
    'type': 'object',
    'properties': {
        'createImage': {
            'type': 'object',
            'properties': {'name': name, 'metadata': metadata},
            'required': ['name'],
            'additionalProperties': False,
        },
    },
    'required': ['createImage'],
    'additionalProperties': False,
}

console_output = {
    'type': 'object',
    'properties': {
        'os-getConsoleOutput': {
            'type': 'object',
            'properties': {
                'length': {'type': ['integer', 'string', 'null'],
                           'pattern': '^-?[0-9]+$', 'minimum': -1},
            },
            'additionalProperties': False,
        },
    },
    'required': ['os-getConsoleOutput'],
    'additionalProperties': False,
}

reset_state = {
    'type': 'object',
    'properties': {
        'os-resetState': {
            'type': 'object',
            'properties': {'state': {'type': 'string',
                                     'enum': ['active', 'error']}},
            'required': ['state'],
            'additionalProperties': False,
        },
    },
    'required': ['os-resetState'],
    'additionalProperties': False,
}

rescue = {
    'type': 'object',
    'properties': {
        'rescue': {
            'type': ['object', 'null'],
            'properties': {'adminPass': {'type': 'string'},
                           'rescue_image_ref': {'type': 'string'}},
            'additionalProperties': False,
        },
    },
    'required': ['rescue'],
    'additionalProperties': False,
}


rescue = {
    'type': 'object',
    'properties': {
        'rescue': {
            'type': ['object', 'null'],
            'properties': {
                'adminPass': {'type': 'string', 'minLength': 1,
                              'maxLength': 255},
                'rescue_image_ref': {'type': 'string', 'format': 'uuid'},
            },
            'additionalProperties': False,
        },
    },
    'required': ['rescue'],
    'additionalProperties': False,
}


def no_argument(action):
    """Actions whose value is null or an empty object."""
    return {
        'type': 'object',
        'properties': {action: {'type': ['null', 'object'],
                                'additionalProperties': False}},
        'required': [action],
        'additionalProperties': False,
    }


metadata_body = {
    'type': 'object',
    'properties': {'metadata': metadata},
    'required': ['metadata'],
    'additionalProperties': False,
}

metadata_item = {
    'type': 'object',
    'properties': {'meta': {'type': 'object', 'minProperties': 1,
                            'maxProperties': 1,
                            'patternProperties': metadata[
                                'patternProperties'],
                            'additionalProperties': False}},
    'required': ['meta'],
    'additionalProperties': False,
}

tags_update_all = {
    'type': 'object',
    'properties': {'tags': {'type': 'array', 'maxItems': 50,
                            'items': {'type': 'string', 'minLength': 1,
                                      'maxLength': 60,
                                      'pattern': '^[^,/]*$'}}},
    'required': ['tags'],
    'additionalProperties': False,
}


trigger_crash_dump = {
    'type': 'object',
    'properties': {'trigger_crash_dump': {'type': 'null'}},
    'required': ['trigger_crash_dump'],
    'additionalProperties': False,
}
