"""Errors in Nova's JSON fault format: {"<kind>": {"code": N, "message"}}.

Every failure of a request leaves through here, so no traceback or HTML
page ever reaches a client.
"""

import json

from oslo_log import log as logging
import webob
import webob.dec
import webob.exc

from nimbus import exception

LOG = logging.getLogger(__name__)

KINDS = {
    400: 'badRequest',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'itemNotFound',
    405: 'badMethod',
    406: 'notAcceptable',
    409: 'conflictingRequest',
    413: 'overLimit',
    415: 'badMediaType',
    429: 'overLimit',
    501: 'notImplemented',
    503: 'serviceUnavailable',
}


def fault_response(code, message, headers=None):
    kind = KINDS.get(code, 'computeFault')
    body = {kind: {'code': code, 'message': message}}
    response = webob.Response(status=code, content_type='application/json',
                              charset='UTF-8', body=json.dumps(body).encode())
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if code in (413, 429) and 'Retry-After' not in response.headers:
        response.headers['Retry-After'] = '0'
    return response


def from_exception(exc):
    """A fault response for ``exc``, or None if it is not a known kind."""
    if isinstance(exc, exception.NimbusException):
        code = exc.code if 400 <= exc.code < 600 else 500
        if code >= 500:
            return None
        return fault_response(code, exc.format_message(),
                              getattr(exc, 'headers', None))
    if isinstance(exc, webob.exc.HTTPException):
        if exc.code < 400:
            return exc
        headers = {name: value for name, value in exc.headers.items()
                   if name.lower() in ('allow', 'retry-after', 'location')}
        return fault_response(exc.code, exc.detail or exc.explanation,
                              headers)
    return None


class FaultWrapper:
    """Paste filter: turns every escaping exception into a JSON fault."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, request):
        try:
            return request.get_response(self.application)
        except Exception as exc:
            response = from_exception(exc)
            if response is not None:
                return response
            LOG.exception('Unexpected error serving %s %s', request.method,
                          request.path)
            return fault_response(
                500, 'Unexpected API Error. Please report this at your '
                     'cloud operator and attach the request id.')

    @classmethod
    def factory(cls, global_config, **local_config):
        return cls
