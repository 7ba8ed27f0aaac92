"""Client side of the conductor RPC API."""

from nimbus import rpc

RPC_TOPIC = 'conductor'


class ConductorAPI(rpc.ClientBase):
    """Client side of the conductor RPC API.

    Also the ``indirection_api`` of versioned objects on compute nodes:
    remotable object methods run on the conductor, which alone touches the
    database for them.

    API version history:

    * 1.0 - Initial version: object_class_action_versions, object_action,
            object_backport_versions.
    """

    TOPIC = RPC_TOPIC
    BASE_VERSION = '1.0'
    UPGRADE_LEVEL = 'conductor'
    VERSION_ALIASES = {'grizzly': '1.0'}

    def object_class_action_versions(self, context, objname, objmethod,
                                     object_versions, args, kwargs):
        cctxt = self.prepare('1.0')
        return cctxt.call(context, 'object_class_action_versions',
                          objname=objname, objmethod=objmethod,
                          object_versions=object_versions,
                          args=args, kwargs=kwargs)

    def object_action(self, context, objinst, objmethod, args, kwargs):
        cctxt = self.prepare('1.0')
        return cctxt.call(context, 'object_action', objinst=objinst,
                          objmethod=objmethod, args=args, kwargs=kwargs)

    def object_backport_versions(self, context, objinst, object_versions):
        cctxt = self.prepare('1.0')
        return cctxt.call(context, 'object_backport_versions',
                          objinst=objinst, object_versions=object_versions)
