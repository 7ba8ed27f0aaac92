"""The request context: who is asking, carried through every layer and RPC."""

from oslo_context import context as o_context
from oslo_db.sqlalchemy import enginefacade


@enginefacade.transaction_context_provider
class RequestContext(o_context.RequestContext):
    """Security context of one request.

    Carries user, project and roles from the API to every service that the
    request reaches over RPC, and the database session of the current
    transaction (through the enginefacade provider).
    """

    def __init__(self, user_id=None, project_id=None, is_admin=None,
                 read_deleted='no', remote_address=None, timestamp=None,
                 service_catalog=None, **kwargs):
        super().__init__(user_id=user_id, project_id=project_id,
                         is_admin=bool(is_admin), **kwargs)
        self.read_deleted = read_deleted
        self.remote_address = remote_address
        self.timestamp = timestamp
        self.service_catalog = service_catalog or []

    def to_dict(self):
        values = super().to_dict()
        values.update({
            'user_id': self.user_id,
            'project_id': self.project_id,
            'read_deleted': self.read_deleted,
            'remote_address': self.remote_address,
            'timestamp': self.timestamp,
            'service_catalog': self.service_catalog,
        })
        return values

    @classmethod
    def from_dict(cls, values):
        return super().from_dict(
            values,
            user_id=values.get('user_id'),
            project_id=values.get('project_id'),
            read_deleted=values.get('read_deleted', 'no'),
            remote_address=values.get('remote_address'),
            timestamp=values.get('timestamp'),
            service_catalog=values.get('service_catalog'),
        )

    def elevated(self, read_deleted=None):
        """A copy of this context with admin rights, for internal work."""
        ctx = self.from_dict(self.to_dict())
        ctx.is_admin = True
        if 'admin' not in ctx.roles:
            ctx.roles = list(ctx.roles) + ['admin']
        if read_deleted is not None:
            ctx.read_deleted = read_deleted
        return ctx


def get_admin_context(read_deleted='no'):
    """A context for work the services do on their own behalf."""
    return RequestContext(user_id=None, project_id=None, is_admin=True,
                          roles=['admin'], read_deleted=read_deleted,
                          overwrite=False)
