"""Check Compute API responses against tempest's published response schemas.

    from tests.functional.api import schema_check
    schema_check.assert_matches('flavors.list_flavors', resp)
    schema_check.assert_matches(schema_dict, resp)

A name ``'<module>.<attr>'`` is looked up for the response's microversion:
the newest ``tempest.lib.api_schema.response.compute.v2_N.<module>`` with
N at most that version which defines ``<attr>`` (as tempest picks them).
``'v2_1.flavors.list_flavors'`` names one exactly.  When tempest is not
installed, the status code is still checked against the schema's if a dict
was given, and name lookups are skipped.
"""

import importlib
import json
import pkgutil

import jsonschema

try:
    from tempest.lib.api_schema.response import compute as _compute
    from tempest.lib.common import jsonschema_validator as _validator
except ImportError:  # pragma: no cover - tempest is in the test extras
    _compute = None
    _validator = None

HAVE_TEMPEST = _compute is not None


def _versions():
    found = []
    for module in pkgutil.iter_modules(_compute.__path__):
        if module.name.startswith('v2_'):
            found.append(int(module.name[3:]))
    return sorted(found)


def _parse(version):
    major, _, minor = str(version).partition('.')
    return int(major), int(minor or 0)


def schema_for(name, version='2.1'):
    """The tempest schema called ``name`` for microversion ``version``."""
    if not HAVE_TEMPEST:
        return None
    parts = name.split('.')
    if len(parts) == 3:
        module = importlib.import_module('%s.%s.%s' % (
            _compute.__name__, parts[0], parts[1]))
        return getattr(module, parts[2])
    module_name, attr = parts
    wanted = _parse(version)[1]
    for minor in reversed(_versions()):
        if minor > wanted:
            continue
        try:
            module = importlib.import_module('%s.v2_%d.%s' % (
                _compute.__name__, minor, module_name))
        except ImportError:
            continue
        if hasattr(module, attr):
            return getattr(module, attr)
    raise LookupError('tempest has no schema %s for %s' % (name, version))


def _version_of(resp):
    return resp.headers.get('X-OpenStack-Nova-API-Version') or '2.1'


def assert_matches(schema, resp):
    """Fail unless ``resp`` (a webob response) fits the schema: status code
    among the schema's, body valid against its response_body (or empty
    when it defines none)."""
    if isinstance(schema, str):
        # tempest is in the test extras: without it the check must fail,
        # not pass silently.
        assert HAVE_TEMPEST, 'tempest is not installed: cannot check %s' % (
            schema,)
        schema = schema_for(schema, _version_of(resp))
    body = json.loads(resp.body) if resp.body else None
    assert resp.status_int in schema['status_code'], (
        'status %s not in %s: %s' % (resp.status_int, schema['status_code'],
                                     resp.body[:500]))
    body_schema = schema.get('response_body')
    if body_schema is None:
        assert not body, 'unexpected body: %r' % (body,)
        return
    if HAVE_TEMPEST:
        cls = _validator.JSONSCHEMA_VALIDATOR
        checker = _validator.FORMAT_CHECKER
    else:  # pragma: no cover
        cls, checker = jsonschema.Draft4Validator, jsonschema.FormatChecker()
    error = jsonschema.exceptions.best_match(
        cls(body_schema, format_checker=checker).iter_errors(body))
    assert error is None, 'response does not match the schema: %s\n%s' % (
        error, json.dumps(body, indent=1, default=str)[:2000])
