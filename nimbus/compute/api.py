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

import base64
import binascii
import re

from oslo_log import log as logging
from oslo_utils import uuidutils

from nimbus.compute import power_state
from nimbus.compute import rpcapi as compute_rpcapi
from nimbus.compute import task_states
from nimbus.compute import transitions
from nimbus.compute import vm_states
from nimbus.conductor import rpcapi as conductor_rpcapi
from nimbus.conf import CONF
from nimbus import exception
from nimbus import objects
from nimbus.objects import instance_action as actions

LOG = logging.getLogger(__name__)

MAX_USERDATA_SIZE = 65535
_HOSTNAME_BAD = re.compile(r'[^\w.-]+')

REBOOT_SOFT = 'SOFT'
REBOOT_HARD = 'HARD'


def _conf(name, default=None, group=None):
    """An option that another module registers, with a fallback."""
    try:
        section = getattr(CONF, group) if group else CONF
        return getattr(section, name)
    except Exception:
        return default


def check_instance_lock(fn):
    """Refuse the action on a locked instance unless the caller is an
    admin (InstanceIsLocked, 409)."""
    def wrapper(self, context, instance, *args, **kwargs):
        if instance.locked and not context.is_admin:
            raise exception.InstanceIsLocked(instance_uuid=instance.uuid)
        return fn(self, context, instance, *args, **kwargs)
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


def _hostname(display_name, uuid):
    name = _HOSTNAME_BAD.sub('-', (display_name or '').lower()).strip('-.')
    return (name or 'server-%s' % uuid)[:63]


def _generate_password(length=12):
    import secrets
    import string
    alphabet = string.ascii_letters + string.digits
    return ''.join(secrets.choice(alphabet) for _ in range(length))


def _image_properties(image):
    return dict(image.get('properties') or {}) if image else {}


class API:
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
                return objects.InstanceList(context, objects=[])
            filters['instance_type_id'] = flavor.id
        return objects.InstanceList.get_by_filters(
            context, filters, sort_keys=sort_keys, sort_dirs=sort_dirs,
            limit=limit, marker=marker, expected_attrs=expected_attrs)

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

    # Create --------------------------------------------------------------

    def create(self, context, flavor, image_href, display_name=None,
               display_description=None, key_name=None, metadata=None,
               security_groups=None, user_data=None, availability_zone=None,
               min_count=1, max_count=1, requested_networks=None,
               block_device_mapping=None, access_ip_v4=None,
               access_ip_v6=None, config_drive=None, scheduler_hints=None,
               admin_password=None, injected_files=None, tags=None):
        """Boot ``max_count`` instances (at least ``min_count``).

        ``flavor`` is a Flavor object or a flavorid; ``image_href`` an
        image uuid ('' or None to boot from a block_device_mapping v2
        list whose boot_index 0 names the image or volume);
        ``requested_networks`` None, 'auto', 'none' or
        [{'uuid':..., 'fixed_ip':...}]; ``user_data`` base64 text.

        Returns (InstanceList-like list of Instance, reservation_id); the
        instances are in BUILD (vm_state building, task_state scheduling)
        and the conductor has been asked to schedule them.

        Raises FlavorNotFound, ImageNotFound (404), ImageNotActive,
        FlavorMemoryTooSmall, FlavorDiskTooSmall, InstanceUserDataTooLarge,
        InstanceUserDataMalformed, InvalidMetadata, InvalidInstanceCount,
        InstanceAvailabilityZoneNotFound (400), KeypairNotFound (404),
        OverQuota / MetadataLimitExceeded (403).
        """
        # Check the arguments (nothing is written until all pass).
        min_count, max_count = self._check_counts(min_count, max_count)
        flavor = self._get_flavor(context, flavor)
        block_device_mapping = list(block_device_mapping or [])
        image_href = image_href or self._image_from_bdms(
            block_device_mapping)
        image = self._check_image(context, image_href, flavor)
        self._check_user_data(user_data)
        metadata = dict(metadata or {})
        self._check_metadata(context, metadata)
        key_data = self._get_key_data(context, key_name)
        availability_zone, forced_host = self._check_az(context,
                                                        availability_zone)
        network_api = self._network_api()
        if network_api is not None and requested_networks not in (None,):
            network_api.validate_networks(context, requested_networks)
        security_groups = list(security_groups or ['default'])

        reservation_id = 'r-%s' % uuidutils.generate_uuid()[:8]
        props = _image_properties(image)
        base = {
            'project_id': context.project_id, 'user_id': context.user_id,
            'display_description': display_description,
            'image_ref': image_href or '',
            'kernel_id': props.get('kernel_id'),
            'ramdisk_id': props.get('ramdisk_id'),
            'key_name': key_name, 'key_data': key_data,
            'user_data': user_data,
            'vm_state': vm_states.BUILDING,
            'task_state': task_states.SCHEDULING,
            'power_state': power_state.NOSTATE,
            'instance_type_id': flavor.id, 'memory_mb': flavor.memory_mb,
            'vcpus': flavor.vcpus, 'root_gb': flavor.root_gb,
            'ephemeral_gb': flavor.ephemeral_gb,
            'availability_zone': availability_zone,
            'reservation_id': reservation_id, 'locked': False,
            'config_drive': 'True' if config_drive else None,
            'access_ip_v4': access_ip_v4, 'access_ip_v6': access_ip_v6,
            'progress': 0, 'os_type': props.get('os_type'),
            'architecture': props.get('architecture'),
        }
        system_metadata = self._image_system_metadata(image)
        system_metadata.update(
            objects.instance.flavor_to_system_metadata(flavor))

        def create_rows(count):
            def fn(txn_context):
                made = []
                for index in range(count):
                    name = display_name
                    if count > 1 and display_name:
                        name = '%s-%d' % (display_name, index + 1)
                    uuid = uuidutils.generate_uuid()
                    inst = objects.Instance(
                        txn_context, uuid=uuid, display_name=name,
                        hostname=_hostname(name, uuid), launch_index=index,
                        metadata=dict(metadata),
                        system_metadata=dict(system_metadata),
                        security_groups=security_groups,
                        tags=list(tags or []), **base)
                    inst.create()
                    self._create_bdms(txn_context, inst, image_href, flavor,
                                      block_device_mapping)
                    made.append(inst)
                return made
            deltas = {'instances': count, 'cores': count * flavor.vcpus,
                      'ram': count * flavor.memory_mb}
            return self._quotas().check_deltas_and_run(
                context, context.project_id, context.user_id, deltas, fn)

        try:
            instances = create_rows(max_count)
        except exception.OverQuota:
            if min_count == max_count:
                raise
            instances = create_rows(min_count)
        for inst in instances:
            inst._context = context
            self._record_action(context, inst, actions.CREATE)

        request_spec = self._request_spec(context, instances, flavor, image,
                                          availability_zone,
                                          scheduler_hints)
        filter_properties = {'scheduler_hints': dict(scheduler_hints or {}),
                             'instance_type': request_spec['flavor']}
        if forced_host:
            filter_properties['force_hosts'] = [forced_host]
        self.compute_task_api.build_instances(
            context, instances=instances, image=image or {},
            request_spec=request_spec, filter_properties=filter_properties,
            requested_networks=requested_networks,
            admin_password=admin_password,
            injected_files=injected_files or [],
            security_groups=security_groups)
        return instances, reservation_id

    @staticmethod
    def _check_counts(min_count, max_count):
        try:
            min_count = int(min_count if min_count is not None else 1)
            max_count = int(max_count if max_count is not None
                            else min_count)
        except (TypeError, ValueError):
            raise exception.InvalidInstanceCount(
                reason='min_count and max_count must be integers')
        if min_count < 1 or max_count < 1:
            raise exception.InvalidInstanceCount(
                reason='min_count and max_count must be at least 1')
        if min_count > max_count:
            raise exception.InvalidInstanceCount(
                reason='min_count must be <= max_count')
        return min_count, max_count

    @staticmethod
    def _get_flavor(context, flavor):
        if isinstance(flavor, (str, int)):
            flavor = objects.Flavor.get_by_flavor_id(context, str(flavor))
        if getattr(flavor, 'disabled', False):
            raise exception.FlavorNotFound(flavor_id=flavor.flavorid)
        return flavor

    @staticmethod
    def _image_from_bdms(bdms):
        for bdm in bdms:
            if str(bdm.get('boot_index')) == '0' and \
                    bdm.get('source_type') == 'image':
                return bdm.get('uuid') or bdm.get('image_id')
        return None

    def _check_image(self, context, image_href, flavor):
        """The image dict (None when booting from a volume)."""
        if not image_href:
            return None
        image = self._image_api().get(context, image_href)
        if image.get('status') not in (None, 'active'):
            raise exception.ImageNotActive(image_id=image_href)
        if (image.get('min_ram') or 0) > flavor.memory_mb:
            raise exception.FlavorMemoryTooSmall()
        root_gb = flavor.root_gb or 0
        if root_gb:
            if (image.get('min_disk') or 0) > root_gb:
                raise exception.FlavorDiskTooSmall()
            if (image.get('size') or 0) > root_gb * 1024 ** 3:
                raise exception.FlavorDiskTooSmall()
        return image

    @staticmethod
    def _image_system_metadata(image):
        meta = {}
        if not image:
            return meta
        for key in ('min_ram', 'min_disk', 'disk_format',
                    'container_format'):
            if image.get(key) is not None:
                meta['image_%s' % key] = str(image[key])[:255]
        meta['image_base_image_ref'] = str(image.get('id'))
        for key, value in _image_properties(image).items():
            meta[('image_%s' % key)[:255]] = str(value)[:255]
        return meta

    @staticmethod
    def _check_user_data(user_data):
        if user_data is None:
            return
        if len(user_data) > MAX_USERDATA_SIZE:
            raise exception.InstanceUserDataTooLarge(
                maxsize=MAX_USERDATA_SIZE, length=len(user_data))
        try:
            base64.b64decode(user_data, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise exception.InstanceUserDataMalformed()

    def _check_metadata(self, context, metadata, existing=0):
        if not isinstance(metadata, dict):
            raise exception.InvalidMetadata(reason='metadata must be a '
                                                   'dict')
        try:
            self._quotas().limit_check(context, context.project_id,
                                       metadata_items=len(metadata) +
                                       existing)
        except exception.OverQuota:
            allowed = _conf('metadata_items', 128, group='quota')
            raise exception.MetadataLimitExceeded(allowed=allowed)
        for key, value in metadata.items():
            if not isinstance(key, str) or not key.strip():
                raise exception.InvalidMetadata(
                    reason='metadata keys must be non-empty strings')
            if len(key) > 255 or (value is not None and
                                  len(str(value)) > 255):
                raise exception.InvalidMetadata(
                    reason='metadata keys and values are at most 255 '
                           'characters')

    @staticmethod
    def _get_key_data(context, key_name):
        if not key_name:
            return None
        keypair = objects.KeyPair.get_by_name(context, context.user_id,
                                              key_name)
        return keypair.public_key

    def _check_az(self, context, availability_zone):
        """(zone, forced host or None); 'zone:host' forces a host
        (admins)."""
        default = _conf('default_availability_zone', 'nimbus')
        if not availability_zone:
            return default, None
        zone, _, host = availability_zone.partition(':')
        if host and not context.is_admin:
            raise exception.PolicyNotAuthorized(
                action='create:forced_host')
        zone = zone or default
        services = objects.ServiceList.get_by_binary(
            context.elevated(), 'nimbus-compute')
        zones = {s.availability_zone or default for s in services}
        zones.add(default)
        if zone not in zones:
            raise exception.InstanceAvailabilityZoneNotFound(az=zone)
        return zone, host or None

    @staticmethod
    def _create_bdms(context, instance, image_href, flavor, bdms):
        """Block device mappings: the root disk from the image (or as the
        v2 list says), then the other entries as given."""
        if not bdms and image_href:
            bdms = [{'source_type': 'image', 'destination_type': 'local',
                     'uuid': image_href, 'boot_index': 0,
                     'delete_on_termination': True}]
        for bdm in bdms:
            source = bdm.get('source_type') or 'image'
            destination = bdm.get('destination_type') or (
                'local' if source in ('image', 'blank') else 'volume')
            boot_index = bdm.get('boot_index')
            objects.BlockDeviceMapping(
                context, instance_uuid=instance.uuid, source_type=source,
                destination_type=destination,
                boot_index=(int(boot_index) if boot_index not in
                            (None, '', 'none') else None),
                device_name=bdm.get('device_name'),
                delete_on_termination=bool(
                    bdm.get('delete_on_termination', destination ==
                            'local')),
                image_id=(bdm.get('uuid') if source == 'image' else None),
                volume_id=(bdm.get('uuid') if source == 'volume' else None),
                snapshot_id=(bdm.get('uuid') if source == 'snapshot'
                             else None),
                volume_size=bdm.get('volume_size'),
                guest_format=bdm.get('guest_format'),
                device_type=bdm.get('device_type'),
                disk_bus=bdm.get('disk_bus'),
                tag=bdm.get('tag')).create()

    @staticmethod
    def _request_spec(context, instances, flavor, image, availability_zone,
                      scheduler_hints):
        hints = dict(scheduler_hints or {})
        for key in ('same_host', 'different_host'):
            if isinstance(hints.get(key), str):
                hints[key] = [hints[key]]
        return {
            'instance_uuids': [inst.uuid for inst in instances],
            'num_instances': len(instances),
            'flavor': {
                'memory_mb': flavor.memory_mb, 'vcpus': flavor.vcpus,
                'root_gb': flavor.root_gb,
                'ephemeral_gb': flavor.ephemeral_gb,
                'swap': getattr(flavor, 'swap', 0) or 0,
                'extra_specs': dict(getattr(flavor, 'extra_specs', None)
                                    or {}),
                'flavorid': getattr(flavor, 'flavorid', None),
                'name': getattr(flavor, 'name', None),
                'id': getattr(flavor, 'id', None),
            },
            'image': {'id': (image or {}).get('id'),
                      'properties': _image_properties(image)},
            'availability_zone': availability_zone,
            'project_id': context.project_id,
            'scheduler_hints': hints,
        }

    # Helpers of every action --------------------------------------------

    @staticmethod
    def _record_action(context, instance, action):
        objects.InstanceAction.action_start(context, instance.uuid, action)

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
        transitions.begin(instance, 'soft_delete')
        self._record_action(context, instance, actions.DELETE)
        self.compute_rpcapi.soft_delete_instance(context, instance)

    def _delete(self, context, instance, action, force=False):
        transitions.begin(instance, 'force_delete' if force else 'delete')
        self._record_action(context, instance, action)
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
        transitions.begin(instance, 'restore')
        self._record_action(context, instance, actions.RESTORE)
        self.compute_rpcapi.restore_instance(context, instance)

    # Power and life ------------------------------------------------------

    @check_instance_lock
    def reboot(self, context, instance, reboot_type):
        """'SOFT' (from ACTIVE) or 'HARD' (from any state with a guest,
        also over a stuck soft reboot)."""
        reboot_type = (reboot_type or REBOOT_SOFT).upper()
        if reboot_type not in (REBOOT_SOFT, REBOOT_HARD):
            raise exception.Invalid(reason='reboot type must be SOFT or '
                                           'HARD')
        transitions.begin(instance, 'reboot_soft' if reboot_type ==
                          REBOOT_SOFT else 'reboot_hard')
        self._record_action(context, instance, actions.REBOOT)
        self.compute_rpcapi.reboot_instance(context, instance, reboot_type)

    def _simple_action(self, context, instance, transition, action,
                       cast_name):
        transitions.begin(instance, transition)
        self._record_action(context, instance, action)
        getattr(self.compute_rpcapi, cast_name)(context, instance)

    @check_instance_lock
    def stop(self, context, instance):
        """Power off (ACTIVE, RESCUED or ERROR -> SHUTOFF)."""
        self._simple_action(context, instance, 'stop', actions.STOP,
                            'stop_instance')

    @check_instance_lock
    def start(self, context, instance):
        """Power on (SHUTOFF -> ACTIVE)."""
        self._simple_action(context, instance, 'start', actions.START,
                            'start_instance')

    @check_instance_lock
    def pause(self, context, instance):
        self._simple_action(context, instance, 'pause', actions.PAUSE,
                            'pause_instance')

    @check_instance_lock
    def unpause(self, context, instance):
        self._simple_action(context, instance, 'unpause', actions.UNPAUSE,
                            'unpause_instance')

    @check_instance_lock
    def suspend(self, context, instance):
        self._simple_action(context, instance, 'suspend', actions.SUSPEND,
                            'suspend_instance')

    @check_instance_lock
    def resume(self, context, instance):
        self._simple_action(context, instance, 'resume', actions.RESUME,
                            'resume_instance')

    def lock(self, context, instance):
        """Lock: non-admin actions are then refused with 409.  Who locked
        is kept: an admin's lock cannot be undone by the owner."""
        is_owner = instance.project_id == context.project_id
        locked_by = 'owner' if is_owner else 'admin'
        instance.locked = True
        instance.locked_by = locked_by
        instance.save()
        self._record_action(context, instance, actions.LOCK)

    def unlock(self, context, instance):
        """Unlock; the owner cannot undo an admin's lock (InstanceIsLocked,
        409)."""
        if instance.locked_by == 'admin' and not context.is_admin:
            raise exception.InstanceIsLocked(instance_uuid=instance.uuid)
        instance.locked = False
        instance.locked_by = None
        instance.save()
        self._record_action(context, instance, actions.UNLOCK)

    def is_locked(self, instance):
        return bool(instance.locked)

    @check_instance_lock
    def rebuild(self, context, instance, image_href, admin_password=None,
                display_name=None, metadata=None, access_ip_v4=None,
                access_ip_v6=None, preserve_ephemeral=False):
        """Rebuild from ``image_href`` (ACTIVE, SHUTOFF or ERROR ->
        REBUILD -> ACTIVE); optionally rename and replace metadata."""
        flavor = instance.flavor
        image = self._check_image(context, image_href, flavor)
        if metadata is not None:
            self._check_metadata(context, metadata)
        changes = {'image_ref': image_href}
        props = _image_properties(image)
        changes['kernel_id'] = props.get('kernel_id')
        changes['ramdisk_id'] = props.get('ramdisk_id')
        if display_name is not None:
            changes['display_name'] = display_name
        if access_ip_v4 is not None:
            changes['access_ip_v4'] = access_ip_v4
        if access_ip_v6 is not None:
            changes['access_ip_v6'] = access_ip_v6
        if metadata is not None:
            changes['metadata'] = dict(metadata)
        orig_image_ref = instance.image_ref
        sysmeta = dict(instance.system_metadata)
        sysmeta = {k: v for k, v in sysmeta.items()
                   if not k.startswith('image_')}
        sysmeta.update(self._image_system_metadata(image))
        changes['system_metadata'] = sysmeta
        changes['progress'] = 0
        transitions.begin(instance, 'rebuild', **changes)
        self._record_action(context, instance, actions.REBUILD)
        self.compute_rpcapi.rebuild_instance(
            context, instance, new_image_ref=image_href, image=image,
            orig_image_ref=orig_image_ref, admin_password=admin_password,
            preserve_ephemeral=preserve_ephemeral)

    # Resize --------------------------------------------------------------

    @check_instance_lock
    def resize(self, context, instance, flavor_id=None):
        """Resize to the flavor ``flavor_id`` (RESIZE -> VERIFY_RESIZE).

        The conductor picks the destination; the current host qualifies
        only with allow_resize_to_same_host.  Raises ResizeToSameFlavor,
        CannotResizeDisk (400), OverQuota (403) for the extra cores/ram.
        """
        transitions.check(instance, 'resize')
        if flavor_id is None:
            raise exception.Invalid(reason='a flavor is required')
        new_flavor = self._get_flavor(context, flavor_id)
        current = instance.flavor
        if current is not None and str(current.flavorid) == \
                str(new_flavor.flavorid):
            raise exception.ResizeToSameFlavor()
        if (new_flavor.root_gb or 0) < (instance.root_gb or 0):
            raise exception.CannotResizeDisk(
                reason='the new flavor has a smaller root disk')
        deltas = {'cores': max(new_flavor.vcpus - (instance.vcpus or 0), 0),
                  'ram': max(new_flavor.memory_mb -
                             (instance.memory_mb or 0), 0)}

        def take(txn_context):
            instance._context = txn_context
            try:
                instance.set_flavor(new_flavor, prefix='new_')
                if current is not None:
                    instance.set_flavor(current, prefix='old_')
                transitions.begin(instance, 'resize')
            finally:
                instance._context = context
            return instance

        if any(deltas.values()):
            self._quotas().check_deltas_and_run(
                context, context.project_id, context.user_id, deltas, take)
        else:
            take(context)
        self._record_action(context, instance, actions.RESIZE)
        request_spec = self._request_spec(context, [instance], new_flavor,
                                          {'id': instance.image_ref},
                                          instance.availability_zone, None)
        self.compute_task_api.resize_instance(
            context, instance, flavor=new_flavor.flavorid,
            request_spec=request_spec)

    def _resize_migration(self, context, instance):
        return objects.Migration.get_by_instance_and_status(
            context.elevated(), instance.uuid, 'finished')

    @check_instance_lock
    def confirm_resize(self, context, instance):
        """Keep the new flavor (VERIFY_RESIZE -> ACTIVE or SHUTOFF)."""
        transitions.check(instance, 'confirm_resize')
        migration = self._resize_migration(context, instance)
        transitions.begin(instance, 'confirm_resize')
        migration.status = 'confirming'
        migration.save()
        self._record_action(context, instance, actions.CONFIRM_RESIZE)
        self.compute_rpcapi.confirm_resize(context, instance, migration,
                                           migration.source_compute)

    @check_instance_lock
    def revert_resize(self, context, instance):
        """Go back to the old flavor (VERIFY_RESIZE -> REVERT_RESIZE ->
        ACTIVE or SHUTOFF)."""
        transitions.check(instance, 'revert_resize')
        migration = self._resize_migration(context, instance)
        transitions.begin(instance, 'revert_resize')
        migration.status = 'reverting'
        migration.save()
        self._record_action(context, instance, actions.REVERT_RESIZE)
        self.compute_rpcapi.revert_resize(context, instance, migration,
                                          migration.dest_compute)

    # Rescue ---------------------------------------------------------------

    @check_instance_lock
    def rescue(self, context, instance, rescue_password=None,
               rescue_image_ref=None):
        """Boot from a rescue image (ACTIVE, SHUTOFF or ERROR -> RESCUE);
        returns the rescue password (generated when not given)."""
        if rescue_image_ref:
            self._check_image(context, rescue_image_ref, instance.flavor)
        password = rescue_password or _generate_password()
        transitions.begin(instance, 'rescue')
        self._record_action(context, instance, actions.RESCUE)
        self.compute_rpcapi.rescue_instance(
            context, instance, rescue_password=password,
            rescue_image_ref=rescue_image_ref)
        return password

    @check_instance_lock
    def unrescue(self, context, instance):
        """RESCUE -> ACTIVE, booted from its own disk again."""
        transitions.begin(instance, 'unrescue')
        self._record_action(context, instance, actions.UNRESCUE)
        self.compute_rpcapi.unrescue_instance(context, instance)

    # Snapshot and console ------------------------------------------------

    @check_instance_lock
    def snapshot(self, context, instance, name, extra_properties=None):
        """Snapshot the instance into a new image named ``name``; returns
        the image dict (status queued; active once uploaded)."""
        transitions.check(instance, 'snapshot')
        properties = {'instance_uuid': instance.uuid,
                      'image_type': 'snapshot',
                      'user_id': context.user_id}
        if instance.image_ref:
            properties['base_image_ref'] = instance.image_ref
        for key, value in instance.system_metadata.items():
            if key.startswith('image_') and key not in (
                    'image_base_image_ref', 'image_min_ram',
                    'image_min_disk', 'image_disk_format',
                    'image_container_format'):
                properties.setdefault(key[len('image_'):], value)
        properties.update(extra_properties or {})
        flavor = instance.flavor
        image_meta = {
            'name': name, 'properties': properties,
            'min_ram': int(instance.system_metadata.get('image_min_ram',
                                                        0) or 0),
            'min_disk': (flavor.root_gb if flavor else 0) or 0,
        }
        image_api = self._image_api()
        image = image_api.create(context, image_meta)
        try:
            transitions.begin(instance, 'snapshot')
        except Exception:
            image_api.delete(context, image['id'])
            raise
        self._record_action(context, instance, actions.CREATE_IMAGE)
        self.compute_rpcapi.snapshot_instance(context, instance,
                                              image['id'])
        return image

    def get_console_output(self, context, instance, tail_length=None):
        """The last ``tail_length`` lines (all when None) of the guest's
        console log (a call to the compute host)."""
        transitions.check(instance, 'get_console_output')
        return self.compute_rpcapi.get_console_output(
            context, instance, tail_length)

    # Admin ---------------------------------------------------------------

    def reset_state(self, context, instance, state='error'):
        """os-resetState: vm_state 'error' or 'active', task_state None.
        Admins only (the REST layer checks the policy)."""
        state = (state or 'error').lower()
        if state not in (vm_states.ERROR, vm_states.ACTIVE):
            raise exception.Invalid(reason='state must be error or active')
        instance.vm_state = state
        instance.task_state = None
        instance.save()
        self._record_action(context, instance, actions.RESET_STATE)
