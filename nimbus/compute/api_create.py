"""The instance API: create (boot), with the checks that run before
anything is written.  Mixed into nimbus.compute.api.API."""

import base64
import binascii

from oslo_utils import uuidutils

from nimbus.compute.api_helpers import _conf
from nimbus.compute.api_helpers import _hostname
from nimbus.compute.api_helpers import _image_properties
from nimbus.compute.api_helpers import MAX_USERDATA_SIZE
from nimbus.compute import power_state
from nimbus.compute import task_states
from nimbus.compute import vm_states
from nimbus import exception
from nimbus import objects
from nimbus.objects import instance_action as actions


class CreateMixin:
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
        group = self._check_group(context, scheduler_hints)

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
                    if group is not None:
                        objects.InstanceGroup.add_members(
                            txn_context, group.uuid, [uuid])
                    # Recorded with the instance, in its transaction.
                    self._record_action(txn_context, inst, actions.CREATE)
                    made.append(inst)
                return made
            deltas = {'instances': count, 'cores': count * flavor.vcpus,
                      'ram': count * flavor.memory_mb}
            if group is not None:
                self._quotas().limit_check(
                    context, context.project_id,
                    server_group_members=len(group.members) + count)
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
        image = self._get_image(context, image_href)
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
    def _check_group(context, scheduler_hints):
        """The server group the ``group`` hint names (the caller's
        project's; InstanceGroupNotFound, 400, otherwise), or None."""
        uuid = (scheduler_hints or {}).get('group')
        if isinstance(uuid, list):
            uuid = uuid[0] if uuid else None
        if not uuid:
            return None
        return objects.InstanceGroup.get_by_uuid(
            context, uuid, None if context.is_admin else context.project_id)

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
