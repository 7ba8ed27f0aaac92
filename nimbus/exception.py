"""Exceptions nimbus raises across layers, each with a user-safe message."""


class NimbusException(Exception):
    """Base class: ``msg_fmt`` % kwargs is the message shown to users.

    ``code`` is the HTTP status the API layer answers with.
    """

    msg_fmt = 'An unknown error occurred.'
    code = 500

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError):
                message = self.msg_fmt
        self.message = message
        super().__init__(message)

    def format_message(self):
        return self.message


class Invalid(NimbusException):
    msg_fmt = 'Invalid input: %(reason)s'
    code = 400


class NotFound(NimbusException):
    msg_fmt = 'Resource could not be found.'
    code = 404


class ServiceNotFound(NotFound):
    msg_fmt = 'Service %(service_id)s could not be found.'


class HostBinaryNotFound(NotFound):
    msg_fmt = 'No service %(binary)s on host %(host)s.'


class ComputeHostNotFound(NotFound):
    msg_fmt = 'Compute host %(host)s could not be found.'


class ConfigNotFound(NotFound):
    msg_fmt = 'Could not find config file %(path)s.'


class ServiceTopicNotFound(NotFound):
    msg_fmt = 'No service for topic %(topic)s.'


class RPCPinnedToOldVersion(NimbusException):
    msg_fmt = ('This operation needs RPC version %(version)s, but the '
               '[upgrade_levels] cap for %(service)s is %(cap)s.')
    code = 409


class Conflict(NimbusException):
    msg_fmt = 'Conflict: %(reason)s'
    code = 409


class ServiceExists(Conflict):
    msg_fmt = 'Service %(binary)s on host %(host)s already exists.'


class FixedIpNotFoundForAddress(NotFound):
    msg_fmt = 'Fixed IP %(address)s could not be found.'


class FixedIpMacMismatch(Conflict):
    msg_fmt = ('Fixed IP %(address)s belongs to MAC %(expected)s, not '
               '%(mac)s.')


class Forbidden(NimbusException):
    msg_fmt = 'Forbidden.'
    code = 403


class PolicyNotAuthorized(Forbidden):
    msg_fmt = "Policy doesn't allow %(action)s to be performed."
