"""Exceptions raised by nimbus.db.api.

Each derives from its counterpart in ``nimbus.exception`` (or from that
module's NotFound or Conflict), so callers may catch either: code above the
DB layer catches ``nimbus.exception.NotFound`` or ``.ServiceExists`` and
gets these too. ``code`` is the HTTP status an API would answer with.
"""

from nimbus import exception


class NotFound(exception.NotFound):
    """The row is not there, or is soft-deleted."""


class Duplicate(exception.Conflict):
    msg_fmt = 'Resource already exists.'


class ServiceNotFound(exception.ServiceNotFound, NotFound):
    pass


class HostBinaryNotFound(exception.HostBinaryNotFound, ServiceNotFound):
    pass


class ServiceExists(exception.ServiceExists, Duplicate):
    pass


class ServiceBinaryExists(ServiceExists):
    msg_fmt = 'Service with host %(host)s binary %(binary)s exists.'


class ServiceTopicExists(ServiceExists):
    msg_fmt = 'Service with host %(host)s topic %(topic)s exists.'


class ComputeHostNotFound(exception.ComputeHostNotFound, NotFound):
    pass


class ComputeHostNodeNotFound(ComputeHostNotFound):
    msg_fmt = 'Compute node %(nodename)s on host %(host)s could not be found.'


class ComputeNodeNotFound(NotFound):
    msg_fmt = 'Compute node %(compute_id)s could not be found.'


class ComputeNodeExists(Duplicate):
    msg_fmt = 'Compute node %(nodename)s on host %(host)s already exists.'
