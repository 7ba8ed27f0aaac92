"""The Instance object: one guest, its flavor, metadata and network cache.

On nimbus-compute every remotable method here runs on the conductor.
"""

import datetime
import functools

from oslo_versionedobjects import exception as ovo_exc
from oslo_versionedobjects import fields

from nimbus.db.api import instance as instance_db
from nimbus.db.api import server_view as server_view_db
from nimbus.objects import base

# Attributes loaded only when asked for (expected_attrs) or on first use.
JOINABLE = ('metadata', 'system_metadata', 'info_cache', 'security_groups',
            'tags')
OPTIONAL = JOINABLE + ('fault',)

# Where the flavor lives: system_metadata keys with this prefix, as Nova
# kept it (a later change of the flavor cannot alter a running instance).
FLAVOR_KEYS = ('id', 'name', 'flavorid', 'memory_mb', 'vcpus', 'root_gb',
               'ephemeral_gb', 'swap', 'rxtx_factor')
_INT_KEYS = ('id', 'memory_mb', 'vcpus', 'root_gb', 'ephemeral_gb', 'swap')


class InstanceFlavor:
    """The flavor an instance was built with (read-only view).

    ``ram`` and ``disk`` are the Compute API's names of memory_mb and
    root_gb.
    """

    def __init__(self, values):
        self._values = values
        for key in FLAVOR_KEYS:
            setattr(self, key, values.get(key))
        self.extra_specs = dict(values.get('extra_specs') or {})

    @property
    def ram(self):
        return self.memory_mb

    @property
    def disk(self):
        return self.root_gb

    def to_dict(self):
        values = {key: getattr(self, key) for key in FLAVOR_KEYS}
        values['extra_specs'] = dict(self.extra_specs)
        return values

    def __repr__(self):
        return 'InstanceFlavor(%r)' % self.to_dict()


def flavor_to_system_metadata(flavor, prefix=''):
    """system_metadata items storing ``flavor`` (object or dict)."""
    get = (flavor.get if isinstance(flavor, dict)
           else lambda key, default=None: getattr(flavor, key, default))
    items = {}
    for key in FLAVOR_KEYS:
        value = get(key)
        if value is not None:
            items['%sinstance_type_%s' % (prefix, key)] = str(value)
    for key, value in (get('extra_specs') or {}).items():
        items['%sinstance_type_extra_%s' % (prefix, key)] = str(value)
    return items


def flavor_from_system_metadata(system_metadata, prefix=''):
    """The InstanceFlavor kept under ``prefix`` (None if there is none)."""
    head = '%sinstance_type_' % prefix
    extra_head = head + 'extra_'
    values, extra = {}, {}
    for key, value in (system_metadata or {}).items():
        if key.startswith(extra_head):
            extra[key[len(extra_head):]] = value
        elif key.startswith(head):
            name = key[len(head):]
            if name in _INT_KEYS and value is not None:
                value = int(value)
            elif name == 'rxtx_factor' and value is not None:
                value = float(value)
            values[name] = value
    if not values:
        return None
    values['extra_specs'] = extra
    return InstanceFlavor(values)


def strip_flavor(system_metadata, prefix):
    head = '%sinstance_type_' % prefix
    return {k: v for k, v in system_metadata.items()
            if not k.startswith(head)}


@base.NimbusObjectRegistry.register
class Instance(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    # Version 1.1: save() and destroy() take the event they end
    VERSION = '1.1'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(read_only=True),
        'uuid': fields.UUIDField(),
        'user_id': fields.StringField(nullable=True),
        'project_id': fields.StringField(nullable=True),
        'display_name': fields.StringField(nullable=True),
        'display_description': fields.StringField(nullable=True),
        'hostname': fields.StringField(nullable=True),
        'host': fields.StringField(nullable=True),
        'node': fields.StringField(nullable=True),
        'launched_on': fields.StringField(nullable=True),
        'image_ref': fields.StringField(nullable=True),
        'kernel_id': fields.StringField(nullable=True),
        'ramdisk_id': fields.StringField(nullable=True),
        'root_device_name': fields.StringField(nullable=True),
        'default_ephemeral_device': fields.StringField(nullable=True),
        'default_swap_device': fields.StringField(nullable=True),
        'config_drive': fields.StringField(nullable=True),
        'key_name': fields.StringField(nullable=True),
        'key_data': fields.StringField(nullable=True),
        'user_data': fields.StringField(nullable=True),
        'vm_state': fields.StringField(nullable=True),
        'task_state': fields.StringField(nullable=True),
        'power_state': fields.IntegerField(nullable=True),
        'instance_type_id': fields.IntegerField(nullable=True),
        'memory_mb': fields.IntegerField(nullable=True),
        'vcpus': fields.IntegerField(nullable=True),
        'root_gb': fields.IntegerField(nullable=True),
        'ephemeral_gb': fields.IntegerField(nullable=True),
        'os_type': fields.StringField(nullable=True),
        'architecture': fields.StringField(nullable=True),
        'vm_mode': fields.StringField(nullable=True),
        'availability_zone': fields.StringField(nullable=True),
        'reservation_id': fields.StringField(nullable=True),
        'launch_index': fields.IntegerField(nullable=True),
        'scheduled_at': fields.DateTimeField(nullable=True),
        'launched_at': fields.DateTimeField(nullable=True),
        'terminated_at': fields.DateTimeField(nullable=True),
        'locked': fields.BooleanField(default=False),
        'locked_by': fields.StringField(nullable=True),
        'access_ip_v4': fields.StringField(nullable=True),
        'access_ip_v6': fields.StringField(nullable=True),
        'auto_disk_config': fields.BooleanField(nullable=True),
        'progress': fields.IntegerField(nullable=True),
        'shutdown_terminate': fields.BooleanField(nullable=True),
        'disable_terminate': fields.BooleanField(nullable=True),
        'cleaned': fields.IntegerField(nullable=True),
        'metadata': fields.DictOfNullableStringsField(default={}),
        'system_metadata': fields.DictOfNullableStringsField(default={}),
        'info_cache': fields.ObjectField('InstanceInfoCache',
                                         nullable=True, default=None),
        'fault': fields.ObjectField('InstanceFault', nullable=True,
                                    default=None),
        'security_groups': fields.ListOfStringsField(default=[]),
        'tags': fields.ListOfStringsField(default=[]),
    })

    _DICT_FIELDS = ('metadata', 'system_metadata')

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._orig = {}

    # Change tracking: dicts changed in place count as changed ------------

    def obj_reset_changes(self, fields=None, recursive=False):
        super().obj_reset_changes(fields, recursive=recursive)
        for name in self._DICT_FIELDS:
            if (fields is None or name in fields) and \
                    self.obj_attr_is_set(name):
                # A plain dict: the field's values are strings, and a deep
                # copy of oslo's CoercedDict would copy this whole object.
                self._orig[name] = dict(getattr(self, name))
        if (fields is None or 'info_cache' in fields) and \
                self.obj_attr_is_set('info_cache') and self.info_cache:
            self.info_cache.obj_reset_changes()

    def obj_what_changed(self):
        changes = set(super().obj_what_changed())
        orig = getattr(self, '_orig', {})
        for name in self._DICT_FIELDS:
            if (self.obj_attr_is_set(name) and name in orig and
                    getattr(self, name) != orig[name]):
                changes.add(name)
        return changes

    # The flavor ------------------------------------------------------------

    @property
    def flavor(self):
        """The flavor the instance runs with (InstanceFlavor or None)."""
        return flavor_from_system_metadata(self.system_metadata)

    def get_flavor(self, prefix=''):
        """'' the current flavor, 'old_'/'new_' during a resize."""
        return flavor_from_system_metadata(self.system_metadata, prefix)

    def set_flavor(self, flavor, prefix=''):
        meta = strip_flavor(dict(self.system_metadata), prefix)
        meta.update(flavor_to_system_metadata(flavor, prefix))
        self.system_metadata = meta

    def delete_flavor(self, prefix):
        self.system_metadata = strip_flavor(dict(self.system_metadata),
                                            prefix)

    @property
    def name(self):
        """The hypervisor's name of the guest."""
        return 'instance-%08x' % self.id

    # Loading ---------------------------------------------------------------

    @staticmethod
    def _from_db_object(context, instance, db_inst, expected_attrs=None):
        from nimbus import objects
        expected_attrs = expected_attrs or []
        for name, kind, attrname in _column_fields():
            if name not in db_inst:
                continue
            value = db_inst[name]
            if name == 'deleted':
                value = bool(value)
            elif name in ('locked', 'auto_disk_config',
                          'shutdown_terminate', 'disable_terminate') and \
                    value is not None:
                value = bool(value)
            if name == 'locked' and value is None:
                value = False
            # What the field's coerce would do, for the types the database
            # gives (a page of 1,000 servers sets 50,000 fields); anything
            # else goes through the field.
            if value is None and kind[1]:
                setattr(instance, attrname, None)
            elif type(value) is kind[0] and kind[0] is not datetime.datetime:
                setattr(instance, attrname, value)
            elif (kind[0] is datetime.datetime and
                    type(value) is datetime.datetime and value.tzinfo is None):
                setattr(instance, attrname,
                        value.replace(tzinfo=datetime.timezone.utc))
            else:
                setattr(instance, name, value)
        for name in ('metadata', 'system_metadata', 'security_groups',
                     'tags'):
            if name in db_inst:
                setattr(instance, name, db_inst[name])
        if 'info_cache' in db_inst:
            instance.info_cache = objects.InstanceInfoCache.from_db(
                context, instance.uuid, db_inst['info_cache'])
        if 'fault' in db_inst:
            fault = db_inst['fault']
            instance.fault = (base.from_db(objects.InstanceFault(context),
                                           fault) if fault else None)
        elif 'fault' in expected_attrs:
            instance.fault = objects.InstanceFault.get_latest_for_instance(
                context, instance.uuid)
        instance._context = context
        instance.obj_reset_changes()
        return instance

    @classmethod
    @base.remotable
    def get_by_uuid(cls, context, uuid, expected_attrs=None):
        """The instance ``uuid`` (InstanceNotFound if unknown or deleted,
        unless the context reads deleted).  ``expected_attrs`` names the
        optional attributes to load now: metadata, system_metadata,
        info_cache, security_groups, tags, fault; system_metadata is
        always loaded, since it holds the flavor."""
        expected_attrs = _with_sysmeta(expected_attrs)
        db_inst = instance_db.instance_get_by_uuid(
            context, uuid, columns_to_join=_joins(expected_attrs))
        return cls._from_db_object(context, cls(), db_inst, expected_attrs)

    def obj_load_attr(self, attrname):
        if attrname not in OPTIONAL:
            raise ovo_exc.ObjectActionError(
                action='obj_load_attr',
                reason='attribute %s not lazy-loadable' % attrname)
        if not self.obj_attr_is_set('id'):
            # Not created yet: nothing to load, start from the default.
            self.obj_set_defaults(attrname)
            if attrname in self._DICT_FIELDS:
                self._orig[attrname] = {}
            return
        if not self._context:
            raise ovo_exc.OrphanedObjectError(method='obj_load_attr',
                                              objtype=self.obj_name())
        ctx = self._context
        if self.obj_attr_is_set('deleted') and self.deleted:
            ctx = ctx.elevated(read_deleted='yes')
        if attrname == 'fault':
            from nimbus import objects
            self.fault = objects.InstanceFault.get_latest_for_instance(
                ctx, self.uuid)
        else:
            loaded = self.__class__.get_by_uuid(ctx, self.uuid,
                                                expected_attrs=[attrname])
            setattr(self, attrname, getattr(loaded, attrname))
        self.obj_reset_changes([attrname])

    def refresh(self):
        """Reload every loaded field from the database."""
        loaded = [name for name in OPTIONAL if self.obj_attr_is_set(name)]
        current = self.__class__.get_by_uuid(self._context, self.uuid,
                                             expected_attrs=loaded)
        for name in self.fields:
            if current.obj_attr_is_set(name):
                setattr(self, name, getattr(current, name))
        self.obj_reset_changes()

    # Writing ---------------------------------------------------------------

    def _values_for_db(self):
        values = {}
        for name in self.obj_what_changed():
            if name in ('fault', 'info_cache', 'tags', 'id'):
                continue
            values[name] = base.naive_utc(getattr(self, name))
        return values

    @base.remotable
    def create(self):
        """Write a new instance (with metadata, system_metadata, security
        groups by name and an empty info cache)."""
        if self.obj_attr_is_set('id'):
            raise ovo_exc.ObjectActionError(action='create',
                                            reason='already created')
        values = self._values_for_db()
        if self.obj_attr_is_set('info_cache') and self.info_cache:
            values['info_cache'] = {
                'network_info': self.info_cache.network_info_json()}
        # Read before the new row (which has no tags yet) overwrites them.
        tags = list(self.tags) if self.obj_attr_is_set('tags') else []
        db_inst = instance_db.instance_create(self._context, values)
        self._from_db_object(self._context, self, db_inst,
                             expected_attrs=list(JOINABLE))
        if tags:
            self.tags = instance_db.instance_tag_set(
                self._context, self.uuid, tags)
            self.obj_reset_changes(['tags'])

    @base.remotable
    def save(self, expected_vm_state=None, expected_task_state=None,
             event=None):
        """Write the changed fields.

        ``expected_task_state`` / ``expected_vm_state`` (a value or a list;
        use [None] to expect no task) make the write a compare-and-swap:
        if the row's state is not one of them, UnexpectedTaskStateError
        (UnexpectedDeletingTaskStateError while deleting) or
        InstanceInvalidState is raised and nothing is written -- so of two
        concurrent actions on one instance only one wins.

        ``event`` (from ``EventReporter.ends_with_write``): the instance
        action event this write ends, recorded in the same transaction.
        """
        expected = {}
        if expected_task_state is not None:
            expected['task_state'] = expected_task_state
        if expected_vm_state is not None:
            expected['vm_state'] = expected_vm_state
        network_info = None
        cache = self.info_cache if self.obj_attr_is_set('info_cache') \
            else None
        if cache is not None and 'network_info' in cache.obj_what_changed():
            network_info = cache.network_info_json()
        if 'tags' in self.obj_what_changed():
            self.tags = instance_db.instance_tag_set(
                self._context, self.uuid, self.tags)
            self.obj_reset_changes(['tags'])
        values = self._values_for_db()
        if not (values or expected or event) and network_info is None:
            if cache is not None:
                cache.obj_reset_changes()
            return
        # The info cache in the same transaction (and conductor call).
        written = instance_db.instance_update(
            self._context, self.uuid, values, expected=expected or None,
            network_info=network_info, event=event)
        if network_info is not None:
            cache.updated_at = written['updated_at']
        # The fields hold what was written already; only updated_at is
        # new (the database's naive UTC, made aware like every loaded
        # datetime).
        self.updated_at = written['updated_at'].replace(
            tzinfo=datetime.timezone.utc)
        self.obj_reset_changes()

    @base.remotable
    def destroy(self, expected_task_state=None, event=None):
        """Mark the instance deleted (metadata, cache and groups too);
        ``event`` as for save()."""
        expected = ({'task_state': expected_task_state}
                    if expected_task_state is not None else None)
        written = instance_db.instance_destroy(self._context, self.uuid,
                                               expected=expected,
                                               event=event)
        if self.obj_attr_is_set('terminated_at') and self.terminated_at:
            written.pop('terminated_at')    # the row keeps its own
        for name, value in written.items():
            setattr(self, name, value)
        self.obj_reset_changes()

    def server_row(self):
        """The server row (see nimbus.db.api.server_view) of this
        instance, for the Compute API's views."""
        row = {name: getattr(self, name) if self.obj_attr_is_set(name)
               else None for name in server_view_db.VIEW_COLUMNS}
        row['locked'] = bool(row['locked'])
        cache = self.info_cache
        fault = (self.fault if self.vm_state in
                 server_view_db.FAULT_VM_STATES else None)
        row.update(
            metadata=dict(self.metadata or {}),
            flavorid=(self.system_metadata or {}).get(
                server_view_db.FLAVORID_KEY),
            network_info=(cache.network_info or []) if cache else [],
            security_groups=sorted(self.security_groups or []),
            tags=sorted(self.tags or []),
            fault=None if fault is None else {
                'code': fault.code, 'message': fault.message,
                'details': fault.details, 'created_at': fault.created_at})
        return row

    @base.remotable
    def update_metadata(self, updates, delete=False):
        """Set user metadata items (``delete``: replace the whole dict)."""
        self.metadata = instance_db.instance_metadata_update(
            self._context, self.uuid, updates, delete)
        self.obj_reset_changes(['metadata'])

    @base.remotable
    def delete_metadata_key(self, key):
        instance_db.instance_metadata_delete(self._context, self.uuid, key)
        meta = dict(self.metadata)
        meta.pop(key, None)
        self.metadata = meta
        self.obj_reset_changes(['metadata'])


_FAST_TYPES = ((fields.UUID, str), (fields.String, str),
               (fields.Integer, int), (fields.Boolean, bool),
               (fields.DateTime, datetime.datetime))


@functools.lru_cache(maxsize=None)
def _column_fields():
    """(name, (python type, nullable) or (None, False), attribute name) of
    the Instance fields stored in its own row; fields of other types, or
    read-only ones, get (None, False): set through the field's coerce."""
    result = []
    for name, field in Instance.fields.items():
        if name in OPTIONAL:
            continue
        kind = (None, False)
        field_type = getattr(field, '_type', None)
        for ovo_type, python_type in _FAST_TYPES:
            if type(field_type) is ovo_type and not field.read_only:
                if ovo_type is not fields.DateTime or field_type.tzinfo_aware:
                    kind = (python_type, field.nullable)
                break
        result.append((name, kind, '_obj_' + name if kind[0] else name))
    return tuple(result)


def _with_sysmeta(expected_attrs):
    attrs = list(expected_attrs or [])
    if 'system_metadata' not in attrs:
        attrs.append('system_metadata')
    return attrs


def _joins(expected_attrs):
    """What the database query functions read with the rows, in the same
    transaction: the joinable attributes, and the newest fault."""
    return [name for name in (expected_attrs or []) if name in OPTIONAL]


@base.NimbusObjectRegistry.register
class InstanceList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('Instance')}

    @classmethod
    def _make(cls, context, db_insts, expected_attrs):
        # The faults came with the rows (see _joins).
        insts = [Instance._from_db_object(context, Instance(), db_inst,
                                          expected_attrs=expected_attrs)
                 for db_inst in db_insts]
        return cls(context, objects=insts)

    @classmethod
    @base.remotable
    def get_by_filters(cls, context, filters, sort_keys=None, sort_dirs=None,
                       limit=None, marker=None, expected_attrs=None):
        """Instances matching ``filters``, sorted and paged.

        Filters: project_id, user_id, name (regex), status (a Compute API
        status such as ACTIVE or SHUTOFF, or a list of them), vm_state,
        task_state, image (image_ref), instance_type_id, host, node,
        availability_zone, reservation_id, uuids, ip (regex on fixed and
        floating addresses), changes-since (datetime; includes deleted),
        deleted (True/False).  ``marker`` is the uuid last seen; raises
        MarkerNotFound.
        """
        filters = _translate_filters(filters)
        if filters is None:
            return cls(context, objects=[])
        expected_attrs = _with_sysmeta(expected_attrs)
        db_insts = instance_db.instance_get_all_by_filters(
            context, filters, sort_keys=sort_keys, sort_dirs=sort_dirs,
            limit=limit, marker=marker,
            columns_to_join=_joins(expected_attrs))
        return cls._make(context, db_insts, expected_attrs)

    @classmethod
    @base.remotable
    def get_by_host(cls, context, host, expected_attrs=None):
        """Live instances whose host is ``host``."""
        expected_attrs = _with_sysmeta(expected_attrs)
        db_insts = instance_db.instance_get_all_by_host(
            context, host, columns_to_join=_joins(expected_attrs))
        return cls._make(context, db_insts, expected_attrs)


def server_rows(context, filters, sort_keys=None, sort_dirs=None,
                limit=None, marker=None):
    """Server rows (plain dicts, see nimbus.db.api.server_view) of the
    instances InstanceList.get_by_filters would give, for the Compute
    API's views: read in the API (which has the database), never over
    RPC."""
    filters = _translate_filters(filters)
    if filters is None:
        return []
    return server_view_db.server_rows(
        context, filters, sort_keys=sort_keys, sort_dirs=sort_dirs,
        limit=limit, marker=marker)


def _translate_filters(filters):
    """Compute API filters as query filters; None when nothing can match."""
    from nimbus.compute import states
    filters = dict(filters or {})
    if 'image' in filters:
        filters['image_ref'] = filters.pop('image')
    status = filters.pop('status', None)
    if status is not None:
        statuses = status if isinstance(status, (list, tuple)) else [status]
        vm_states, task_states = set(), set()
        any_task = False
        for one in statuses:
            vms, tasks = states.states_from_status(one)
            vm_states.update(vms)
            if tasks is None:
                any_task = True
            else:
                task_states.update(tasks)
        if not vm_states:
            return None
        filters['vm_state'] = sorted(vm_states)
        if not any_task:
            filters['task_state'] = sorted(task_states)
    return filters
