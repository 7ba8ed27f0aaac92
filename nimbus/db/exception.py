"""Exceptions raised by nimbus.db.api.

Query functions raise these (not oslo.db's or SQLAlchemy's) for the cases a
caller is expected to handle; ``code`` is the HTTP status an API would
answer with.
"""


class NimbusDBException(Exception):
    msg_fmt = 'An unknown database error occurred.'
    code = 500

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            message = self.msg_fmt % kwargs
        super().__init__(message)


class NotFound(NimbusDBException):
    msg_fmt = 'Resource could not be found.'
    code = 404


class Duplicate(NimbusDBException):
    msg_fmt = 'Resource already exists.'
    code = 409


class ServiceNotFound(NotFound):
    msg_fmt = 'Service %(service_id)s could not be found.'


class HostBinaryNotFound(ServiceNotFound):
    msg_fmt = 'Could not find binary %(binary)s on host %(host)s.'


class ServiceExists(Duplicate):
    msg_fmt = 'Service %(binary)s on host %(host)s already exists.'


class ServiceBinaryExists(ServiceExists):
    msg_fmt = 'Service with host %(host)s binary %(binary)s exists.'


class ServiceTopicExists(ServiceExists):
    msg_fmt = 'Service with host %(host)s topic %(topic)s exists.'


class ComputeHostNotFound(NotFound):
    msg_fmt = 'Compute host %(host)s could not be found.'


class ComputeHostNodeNotFound(ComputeHostNotFound):
    msg_fmt = 'Compute node %(nodename)s on host %(host)s could not be found.'


class ComputeNodeNotFound(NotFound):
    msg_fmt = 'Compute node %(compute_id)s could not be found.'


class ComputeNodeExists(Duplicate):
    msg_fmt = 'Compute node %(nodename)s on host %(host)s already exists.'
