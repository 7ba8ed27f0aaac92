"""What the REST (and EC2) layers call to act on instances.

Every action has the same shape: check the arguments -> take the instance
(transitions.begin: the state-table precondition, then a compare-and-swap
of task_state) -> record the instance action -> cast to the compute host
(or the conductor).  A refusal raises before anything changed.

Errors are nimbus.exception classes whose ``code`` is the HTTP status:
InstanceNotFound 404, InstanceInvalidState / UnexpectedTaskStateError /
InstanceIsLocked 409, Invalid and friends 400, OverQuota and
MetadataLimitExceeded 403.

nimbus-api has database access: objects here run locally.
"""

from oslo_log import log as logging
from oslo_utils import uuidutils

from nimbus.compute import api_actions
from nimbus.compute import api_create
# Re-exported: callers know them as nimbus.compute.api.<name>.
from nimbus.compute.api_helpers import _conf  # noqa: F401
from nimbus.compute.api_helpers import _generate_password  # noqa: F401
from nimbus.compute.api_helpers import _hostname  # noqa: F401
from nimbus.compute.api_helpers import _image_properties  # noqa: F401
from nimbus.compute.api_helpers import check_instance_lock
from nimbus.compute.api_helpers import MAX_USERDATA_SIZE  # noqa: F401
from nimbus.compute.api_helpers import REBOOT_HARD  # noqa: F401
from nimbus.compute.api_helpers import REBOOT_SOFT  # noqa: F401
from nimbus.compute import rpcapi as compute_rpcapi
from nimbus.compute import transitions
from nimbus.compute import vm_states
from nimbus.conductor import rpcapi as conductor_rpcapi
from nimbus.conf import CONF
from nimbus import exception
from nimbus import objects
from nimbus.objects import instance as instance_obj
from nimbus.objects import instance_action as actions

LOG = logging.getLogger(__name__)


class API(api_create.CreateMixin, api_actions.ActionsMixin):
    """The instance API of nimbus-compute.

    ``instance`` arguments are ``objects.Instance`` as returned by
    ``get``; methods that change an instance save it and return None
    unless stated otherwise.
    """

    def __init__(self):
        self._compute_rpcapi = None
        self._compute_task_api = None

    @property
    def compute_rpcapi(self):
        if self._compute_rpcapi is None:
            self._compute_rpcapi = compute_rpcapi.ComputeAPI()
        return self._compute_rpcapi

    @property
    def compute_task_api(self):
        if self._compute_task_api is None:
            self._compute_task_api = conductor_rpcapi.ComputeTaskAPI()
        return self._compute_task_api

    # Collaborators (other engineers' modules, imported on use) -----------

    @staticmethod
    def _image_api():
        from nimbus.image import glance
        return glance.API()

    def _get_image(self, context, image_id):
        """The image (glance.API.get's dict and errors): read by the
        image API's own code where this process serves the image API,
        else over HTTP."""
        from nimbus.image import local
        if local.serves():
            return local.get(context, image_id)
        return self._image_api().get(context, image_id)

    @staticmethod
    def _network_api():
        try:
            from nimbus.network import api as network_api
        except ImportError:
            return None
        return network_api.API()

    @staticmethod
    def _quotas():
        from nimbus import quota
        return quota.QUOTAS

    @staticmethod
    def _get_flavor(context, flavor):
        if isinstance(flavor, (str, int)):
            flavor = objects.Flavor.get_by_flavor_id_cached(context,
                                                            str(flavor))
        if getattr(flavor, 'disabled', False):
            raise exception.FlavorNotFound(flavor_id=flavor.flavorid)
        return flavor

    # Reading -------------------------------------------------------------

    def get(self, context, instance_id, expected_attrs=None):
        """The instance with uuid ``instance_id``.

        Raises InstanceNotFound (404) when unknown, deleted, or of another
        project for a non-admin caller.  ``expected_attrs`` loads optional
        attributes at once: metadata, system_metadata, info_cache,
        security_groups, tags, fault.
        """
        instance = objects.Instance.get_by_uuid(
            context, instance_id, expected_attrs=expected_attrs)
        if (not context.is_admin and
                instance.project_id != context.project_id):
            raise exception.InstanceNotFound(instance_id=instance_id)
        return instance

    def get_all(self, context, search_opts=None, limit=None, marker=None,
                sort_keys=None, sort_dirs=None, expected_attrs=None):
        """An InstanceList of the instances the caller may see.

        ``search_opts``: name (regex), status, image, flavor (flavorid),
        host, ip (regex), changes-since (datetime), deleted (bool),
        project_id, all_tenants (admins: every project; otherwise an
        admin too sees only its own project), plus any column filter of
        InstanceList.get_by_filters.  Raises MarkerNotFound (400).
        """
        filters = self._list_filters(context, search_opts)
        if filters is None:
            return objects.InstanceList(context, objects=[])
        return objects.InstanceList.get_by_filters(
            context, filters, sort_keys=sort_keys, sort_dirs=sort_dirs,
            limit=limit, marker=marker, expected_attrs=expected_attrs)

    def get_server_rows(self, context, search_opts=None, limit=None,
                        marker=None, sort_keys=None, sort_dirs=None):
        """What get_all finds (same search_opts, same project
        isolation), as server rows for the API's views (plain dicts, see
        nimbus.db.api.server_view) instead of Instance objects."""
        filters = self._list_filters(context, search_opts)
        if filters is None:
            return []
        return instance_obj.server_rows(
            context, filters, sort_keys=sort_keys, sort_dirs=sort_dirs,
            limit=limit, marker=marker)

    def get_server_row(self, context, instance_id):
        """The server row of instance ``instance_id``, found as get
        finds it (InstanceNotFound when unknown, deleted, or of another
        project for a non-admin caller)."""
        if not uuidutils.is_uuid_like(instance_id):
            # A name (clients try GET /servers/NAME first): no query.
            raise exception.InstanceNotFound(instance_id=instance_id)
        filters = {'uuid': instance_id}
        if not context.is_admin:
            filters['project_id'] = context.project_id
        rows = instance_obj.server_rows(context, filters)
        if not rows:
            raise exception.InstanceNotFound(instance_id=instance_id)
        return rows[0]

    def _list_filters(self, context, search_opts):
        """The instance filters of get_all's search_opts (None: nothing
        can match)."""
        filters = dict(search_opts or {})
        all_tenants = filters.pop('all_tenants', False)
        if isinstance(all_tenants, str):
            all_tenants = all_tenants.lower() not in ('0', 'false', 'no',
                                                      'off')
        if not context.is_admin:
            filters['project_id'] = context.project_id
            filters.pop('host', None)
        elif not all_tenants and 'project_id' not in filters:
            filters['project_id'] = context.project_id
        if 'flavor' in filters:
            flavorid = filters.pop('flavor')
            try:
                flavor = objects.Flavor.get_by_flavor_id(context, flavorid)
            except exception.NotFound:
                return None
            filters['instance_type_id'] = flavor.id
        return filters

    def get_instance_metadata(self, context, instance):
        return dict(instance.metadata)

    def get_instance_actions(self, context, instance):
        """The InstanceActionList of the instance, newest first."""
        return objects.InstanceActionList.get_by_instance_uuid(
            context, instance.uuid)

    def get_instance_action(self, context, instance, request_id):
        """(InstanceAction, InstanceActionEventList) of one request;
        raises InstanceActionNotFound (404)."""
        action = objects.InstanceAction.get_by_request_id(
            context, instance.uuid, request_id)
        if action is None:
            raise exception.InstanceActionNotFound(
                request_id=request_id, instance_uuid=instance.uuid)
        events = objects.InstanceActionEventList.get_by_action(context,
                                                               action.id)
        return action, events

    # Helpers of every action --------------------------------------------

    @staticmethod
    def _record_action(context, instance, action):
        objects.InstanceAction.action_start(context, instance.uuid, action)

    @classmethod
    def _begin_action(cls, context, instance, transition, action,
                      **changes):
        """transitions.begin, then the action's record: in one
        transaction when the instance carries this request's context
        (nothing is recorded when the swap fails either way)."""
        if instance._context is not context:
            transitions.begin(instance, transition, **changes)
            cls._record_action(context, instance, action)
            return
        with actions.one_transaction(context):
            transitions.begin(instance, transition, **changes)
            cls._record_action(context, instance, action)

    def _compute_is_up(self, context, host):
        from nimbus import servicegroup
        try:
            service = objects.Service.get_by_host_and_binary(
                context.elevated(), host, 'nimbus-compute')
        except exception.NotFound:
            return False
        return servicegroup.service_is_up(service)

    # Update and metadata -------------------------------------------------

    _UPDATABLE = ('display_name', 'display_description', 'access_ip_v4',
                  'access_ip_v6', 'hostname')

    def update(self, context, instance, **kwargs):
        """Set display_name, display_description, access_ip_v4/v6 or
        hostname; returns the saved instance."""
        unknown = set(kwargs) - set(self._UPDATABLE)
        if unknown:
            raise exception.Invalid(reason='cannot update %s'
                                    % ', '.join(sorted(unknown)))
        for key, value in kwargs.items():
            setattr(instance, key, value)
        instance.save()
        return instance

    @check_instance_lock
    def update_instance_metadata(self, context, instance, metadata,
                                 delete=False):
        """Set metadata items (``delete``: the dict replaces all of it);
        returns the whole metadata dict."""
        transitions.check(instance, 'update_metadata')
        existing = 0 if delete else len(
            set(instance.metadata) - set(metadata))
        self._check_metadata(context, metadata, existing)
        instance.update_metadata(metadata, delete=delete)
        return dict(instance.metadata)

    @check_instance_lock
    def delete_instance_metadata(self, context, instance, key):
        """Remove one item; raises MetadataNotFound (404)."""
        transitions.check(instance, 'update_metadata')
        if key not in instance.metadata:
            raise exception.MetadataNotFound(instance_uuid=instance.uuid,
                                             key=key)
        instance.delete_metadata_key(key)

    # Delete --------------------------------------------------------------

    @check_instance_lock
    def delete(self, context, instance):
        """Delete the instance: soft-delete when reclaim_instance_interval
        is set (restorable until reclaimed), else terminate it on its host
        -- or at once here when it never reached a host or its host is
        down."""
        if CONF.reclaim_instance_interval > 0 and instance.host and \
                instance.vm_state not in (vm_states.BUILDING,
                                          vm_states.SOFT_DELETED):
            self._soft_delete(context, instance)
        else:
            self._delete(context, instance, actions.DELETE)

    def force_delete(self, context, instance):
        """Delete at once, even a soft-deleted instance."""
        self._delete(context, instance, actions.FORCE_DELETE, force=True)

    def _soft_delete(self, context, instance):
        self._begin_action(context, instance, 'soft_delete', actions.DELETE)
        self.compute_rpcapi.soft_delete_instance(context, instance)

    def _delete(self, context, instance, action, force=False):
        self._begin_action(context, instance,
                           'force_delete' if force else 'delete', action)
        if instance.host and self._compute_is_up(context, instance.host):
            self.compute_rpcapi.terminate_instance(context, instance)
            return
        self._local_delete(context, instance)

    def _local_delete(self, context, instance):
        """Delete an instance no compute host will handle: never
        scheduled, or its host is down."""
        if instance.host:
            LOG.warning('Compute host %s of instance %s is down; deleting '
                        'it locally', instance.host, instance.uuid)
            network_api = self._network_rpcapi()
            if network_api is not None:
                try:
                    network_api.deallocate_for_instance(
                        context, instance.uuid, host=instance.host)
                except Exception:
                    LOG.exception('Could not free the network of %s',
                                  instance.uuid)
        objects.BlockDeviceMappingList.destroy_by_instance_uuid(
            context, instance.uuid)
        instance.destroy()
        try:
            objects.InstanceAction.action_finish(context, instance.uuid)
        except exception.NotFound:
            pass

    @staticmethod
    def _network_rpcapi():
        from nimbus.network import rpcapi as network_rpcapi
        api = network_rpcapi.NetworkAPI()
        if not hasattr(api, 'deallocate_for_instance'):
            return None
        return api

    def restore(self, context, instance):
        """Bring back a soft-deleted instance (before it is reclaimed)."""
        self._begin_action(context, instance, 'restore', actions.RESTORE)
        self.compute_rpcapi.restore_instance(context, instance)
