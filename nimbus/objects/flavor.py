"""Flavor: the size of an instance (RAM, vCPUs, disks), with extra specs
and, for a private flavor, the projects allowed to use it."""

import functools
import time

from oslo_log import log as logging
from oslo_utils import uuidutils
from oslo_versionedobjects import fields

from nimbus.db.api import flavor as flavor_db
from nimbus.db import session as db_session
from nimbus import exception
from nimbus.objects import base

LOG = logging.getLogger(__name__)

# Nova's classic flavors: (flavorid, name, memory_mb, vcpus, root_gb).
DEFAULT_FLAVORS = (
    ('1', 'm1.tiny', 512, 1, 1),
    ('2', 'm1.small', 2048, 1, 20),
    ('3', 'm1.medium', 4096, 2, 40),
    ('4', 'm1.large', 8192, 4, 80),
    ('5', 'm1.xlarge', 16384, 8, 160),
)

# Flavors by flavorid as the database last gave them, for the boot path
# (three statements a boot otherwise).  Every write through Flavor in this
# process empties it, so this process sees its own changes at once; a
# change made by another process (another nimbus-api, nimbus-manage) is
# seen within CACHE_SECONDS.
CACHE_SECONDS = 10.0
_cache = {}            # flavorid -> (monotonic time read, row dict)
_cache_generation = [0]


@db_session.on_new_engine
def forget_cached():
    """Empty the cache of get_by_flavor_id_cached (after any write)."""
    _cache_generation[0] += 1
    _cache.clear()


def _forgets_cached(method):
    """Empty the cache once ``method`` (a write) is done: not before, or
    a concurrent read could cache the row as it was before the write."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        finally:
            forget_cached()
    return wrapper


_COLUMNS = ('id', 'flavorid', 'name', 'memory_mb', 'vcpus', 'root_gb',
            'ephemeral_gb', 'swap', 'rxtx_factor', 'vcpu_weight',
            'is_public', 'disabled', 'description')


@base.NimbusObjectRegistry.register
class Flavor(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(read_only=True),
        'flavorid': fields.StringField(nullable=True),
        'name': fields.StringField(nullable=True),
        'memory_mb': fields.IntegerField(),
        'vcpus': fields.IntegerField(),
        'root_gb': fields.IntegerField(default=0),
        'ephemeral_gb': fields.IntegerField(default=0),
        'swap': fields.IntegerField(default=0),
        'rxtx_factor': fields.FloatField(nullable=True, default=1.0),
        'vcpu_weight': fields.IntegerField(nullable=True),
        'is_public': fields.BooleanField(default=True),
        'disabled': fields.BooleanField(default=False),
        'description': fields.StringField(nullable=True),
        'extra_specs': fields.DictOfStringsField(default={}),
        'projects': fields.ListOfStringsField(default=[]),
    })

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._orig_extra_specs = {}
        self._orig_projects = []

    @classmethod
    def _from_db(cls, context, row):
        flavor = cls(context)
        for name in cls.fields:
            if name in row:
                value = row[name]
                if name == 'deleted':
                    value = bool(value)
                elif name in ('root_gb', 'ephemeral_gb', 'swap') and \
                        value is None:
                    value = 0
                elif name in ('is_public', 'disabled') and value is None:
                    value = name == 'is_public'
                setattr(flavor, name, value)
        flavor.obj_reset_changes()
        return flavor

    def obj_reset_changes(self, fields=None, recursive=False):
        super().obj_reset_changes(fields, recursive)
        if fields is None or 'extra_specs' in fields:
            self._orig_extra_specs = (dict(self.extra_specs)
                                      if self.obj_attr_is_set('extra_specs')
                                      else {})
        if fields is None or 'projects' in fields:
            self._orig_projects = (list(self.projects)
                                   if self.obj_attr_is_set('projects')
                                   else [])

    def obj_what_changed(self):
        changed = super().obj_what_changed()
        # In-place edits of the dict and list count as changes too.
        if (self.obj_attr_is_set('extra_specs') and
                self.extra_specs != self._orig_extra_specs):
            changed.add('extra_specs')
        if (self.obj_attr_is_set('projects') and
                self.projects != self._orig_projects):
            changed.add('projects')
        return changed

    @classmethod
    @base.remotable
    def get_by_id(cls, context, id):
        return cls._from_db(context, flavor_db.flavor_get(context, id))

    @classmethod
    @base.remotable
    def get_by_flavor_id(cls, context, flavorid, read_deleted='no'):
        return cls._from_db(context, flavor_db.flavor_get_by_flavor_id(
            context, flavorid, read_deleted))

    @classmethod
    def get_by_flavor_id_cached(cls, context, flavorid):
        """get_by_flavor_id of a live flavor, from this process's cache
        when read less than CACHE_SECONDS ago (see forget_cached); where
        the database is local (nimbus-api), for the boot path."""
        now = time.monotonic()
        hit = _cache.get(flavorid)
        if hit is None or now - hit[0] >= CACHE_SECONDS:
            generation = _cache_generation[0]
            row = flavor_db.flavor_get_by_flavor_id(context, flavorid)
            hit = (now, row)
            # Not if a write of this process came in between: the row
            # may predate it.
            if generation == _cache_generation[0]:
                _cache[flavorid] = hit
        row = dict(hit[1], extra_specs=dict(hit[1]['extra_specs']),
                   projects=list(hit[1]['projects']))
        return cls._from_db(context, row)

    @classmethod
    @base.remotable
    def get_by_name(cls, context, name):
        return cls._from_db(context,
                            flavor_db.flavor_get_by_name(context, name))

    @_forgets_cached
    @base.remotable
    def create(self):
        if self.obj_attr_is_set('id'):
            raise exception.Invalid(reason='flavor already created')
        values = base.changes_for_db(self)
        values.pop('extra_specs', None)
        projects = values.pop('projects', None) or []
        if not values.get('flavorid'):
            values['flavorid'] = uuidutils.generate_uuid()
        row = flavor_db.flavor_create(
            self._context, dict(values, extra_specs=dict(
                self.extra_specs if self.obj_attr_is_set('extra_specs')
                else {})), projects=projects)
        self._refresh(row)

    def _refresh(self, row):
        fresh = self._from_db(self._context, row)
        for name in self.fields:
            if fresh.obj_attr_is_set(name):
                setattr(self, name, getattr(fresh, name))
        self.obj_reset_changes()

    @_forgets_cached
    @base.remotable
    def save(self):
        changes = self.obj_what_changed()
        values = {name: getattr(self, name) for name in changes
                  if name in _COLUMNS and name != 'id'}
        if 'extra_specs' in changes:
            added = {k: v for k, v in self.extra_specs.items()
                     if self._orig_extra_specs.get(k) != v}
            if added:
                flavor_db.flavor_extra_specs_update_or_create(
                    self._context, self.flavorid, added)
            for key in set(self._orig_extra_specs) - set(self.extra_specs):
                flavor_db.flavor_extra_specs_delete(self._context,
                                                    self.flavorid, key)
        if 'projects' in changes:
            for project_id in set(self.projects) - set(self._orig_projects):
                flavor_db.flavor_access_add(self._context, self.flavorid,
                                            project_id)
            for project_id in set(self._orig_projects) - set(self.projects):
                flavor_db.flavor_access_remove(self._context, self.flavorid,
                                               project_id)
        if values:
            self._refresh(flavor_db.flavor_update(self._context,
                                                  self.flavorid, values))
        else:
            self._refresh(flavor_db.flavor_get_by_flavor_id(
                self._context, self.flavorid))

    @_forgets_cached
    @base.remotable
    def add_access(self, project_id):
        flavor_db.flavor_access_add(self._context, self.flavorid, project_id)
        self._refresh(flavor_db.flavor_get_by_flavor_id(self._context,
                                                        self.flavorid))

    @_forgets_cached
    @base.remotable
    def remove_access(self, project_id):
        flavor_db.flavor_access_remove(self._context, self.flavorid,
                                       project_id)
        self._refresh(flavor_db.flavor_get_by_flavor_id(self._context,
                                                        self.flavorid))

    @_forgets_cached
    @base.remotable
    def destroy(self):
        flavor_db.flavor_destroy(self._context, self.flavorid)


@base.NimbusObjectRegistry.register
class FlavorList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('Flavor')}

    @classmethod
    @base.remotable
    def get_all(cls, context, inactive=False, filters=None,
                sort_key='flavorid', sort_dir='asc', limit=None,
                marker=None):
        rows = flavor_db.flavor_get_all(
            context, inactive=inactive, filters=filters, sort_key=sort_key,
            sort_dir=sort_dir, limit=limit, marker=marker)
        return cls(context, objects=[Flavor._from_db(context, row)
                                     for row in rows])


def create_default_flavors(context):
    """Create Nova's m1.* flavors (flavorids 1-5) where missing; returns
    the flavors created.  Running it again changes nothing."""
    created = []
    for flavorid, name, memory_mb, vcpus, root_gb in DEFAULT_FLAVORS:
        try:
            Flavor.get_by_flavor_id(context, flavorid)
            continue
        except exception.FlavorNotFound:
            pass
        flavor = Flavor(context, flavorid=flavorid, name=name,
                        memory_mb=memory_mb, vcpus=vcpus, root_gb=root_gb,
                        ephemeral_gb=0, swap=0, rxtx_factor=1.0,
                        is_public=True, disabled=False)
        try:
            flavor.create()
        except (exception.FlavorExists, exception.FlavorIdExists):
            LOG.info('Flavor %s exists already', name)
            continue
        created.append(flavor)
    return created
