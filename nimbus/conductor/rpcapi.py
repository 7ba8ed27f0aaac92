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
    * 1.1 - Compute tasks, sent by ComputeTaskAPI: build_instances,
            resize_instance.
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


class ComputeTaskAPI(rpc.ClientBase):
    """Client side of the conductor's orchestration of compute tasks
    (builds and resizes), served by the same conductor manager.

    API version history:

    * 1.1 - build_instances, resize_instance (the object proxy is 1.0).
    """

    TOPIC = RPC_TOPIC
    BASE_VERSION = '1.1'
    UPGRADE_LEVEL = 'conductor'
    VERSION_ALIASES = {'grizzly': '1.1'}

    def build_instances(self, context, instances, image, request_spec,
                        filter_properties, requested_networks=None,
                        admin_password=None, injected_files=None,
                        security_groups=None):
        """Schedule ``instances`` and have each built on its host (cast).

        Also how a compute host asks for a reschedule: the same call with
        ``filter_properties['retry']`` naming the hosts tried.
        """
        cctxt = self.prepare('1.1')
        cctxt.cast(context, 'build_instances', instances=list(instances),
                   image=image, request_spec=request_spec,
                   filter_properties=filter_properties,
                   requested_networks=requested_networks,
                   admin_password=admin_password,
                   injected_files=injected_files,
                   security_groups=security_groups)

    def resize_instance(self, context, instance, flavor, request_spec):
        """Pick a destination for a resize to ``flavor`` (a flavorid) and
        start it there (cast)."""
        cctxt = self.prepare('1.1')
        cctxt.cast(context, 'resize_instance', instance=instance,
                   flavor=flavor, request_spec=request_spec)
