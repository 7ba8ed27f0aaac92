"""JSON Schema validation of request bodies and query strings.

    @validation.schema(schemas.create)
    def create(req, body): ...

The handler receives the validated body as ``body``.  Several schemas may
be stacked with min/max microversions; the one matching the request wins.
"""

import base64
import binascii
import functools

import jsonschema
import webob.exc

_FORMAT_CHECKER = jsonschema.FormatChecker()


@_FORMAT_CHECKER.checks('base64')
def _is_base64(value):
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _error_message(error):
    path = '/'.join(str(p) for p in error.absolute_path)
    if error.validator == 'additionalProperties':
        return 'Additional properties are not allowed (%s)' % error.message
    if error.validator == 'required':
        return error.message
    where = ('Invalid input for field/attribute %s. ' % path) if path else (
        'Invalid input. ')
    return '%sValue: %s. %s' % (where, _short(error.instance), error.message)


def _short(value):
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + '...'


# id(schema) -> (schema, its validator): made once per schema, not per
# request (the schema is kept, so that its id is never reused).  Bounded:
# a schema built per call (schemas.servers.no_argument) only churns it.
_VALIDATORS = {}
_MAX_VALIDATORS = 256


def _validator(schema):
    known = _VALIDATORS.get(id(schema))
    if known is None or known[0] is not schema:
        known = (schema, jsonschema.Draft4Validator(
            schema, format_checker=_FORMAT_CHECKER))
        if len(_VALIDATORS) >= _MAX_VALIDATORS:
            _VALIDATORS.clear()
        _VALIDATORS[id(schema)] = known
    return known[1]


def validate(schema, instance):
    """Raise 400 with a readable message when instance breaks schema."""
    validator = _validator(schema)
    if validator.is_valid(instance):
        return
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise webob.exc.HTTPBadRequest(explanation=_error_message(error))


def schema(request_schema, min_version=None, max_version=None):
    def decorate(func):
        schemas = getattr(func, '_body_schemas', None)
        if schemas is not None:
            schemas.append((request_schema, min_version, max_version))
            return func

        @functools.wraps(func)
        def wrapper(req, **kwargs):
            body = req.json_body()
            for body_schema, low, high in wrapper._body_schemas:
                if req.api_version.matches(low, high):
                    validate(body_schema, body)
                    break
            return func(req, body=body, **kwargs)

        wrapper._body_schemas = [(request_schema, min_version, max_version)]
        return wrapper
    return decorate


def query_schema(request_schema):
    """Validate the query string (values as lists of strings)."""
    def decorate(func):
        @functools.wraps(func)
        def wrapper(req, **kwargs):
            query = {key: req.GET.getall(key) for key in req.GET.keys()}
            validate(request_schema, query)
            return func(req, **kwargs)
        return wrapper
    return decorate
