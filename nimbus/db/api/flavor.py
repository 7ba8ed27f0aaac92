"""Flavors (Nova's instance_types), their extra specs and project access.

A flavor is returned as a dict of its columns plus ``extra_specs``
({key: value}) and ``projects`` (project ids allowed to use it when it is
private).
"""

from oslo_db import exception as db_exc
import sqlalchemy as sa

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session
from nimbus import exception

Flavor = models.InstanceTypes
ExtraSpecs = models.InstanceTypeExtraSpecs
Access = models.InstanceTypeProjects

SORT_KEYS = ('id', 'flavorid', 'name', 'memory_mb', 'vcpus', 'root_gb',
             'ephemeral_gb', 'swap', 'rxtx_factor', 'is_public', 'disabled',
             'created_at', 'updated_at')


def _live(context, model):
    return utils.model_query(context, model, read_deleted='no')


def _as_dict(context, row):
    values = row.as_dict()
    values['extra_specs'] = {
        spec.key: spec.value for spec in context.session.scalars(
            _live(context, ExtraSpecs)
            .where(ExtraSpecs.instance_type_id == row.id))}
    values['projects'] = sorted(
        access.project_id for access in context.session.scalars(
            _live(context, Access).where(Access.instance_type_id == row.id)))
    return values


def _get(context, read_deleted='no', **where):
    stmt = utils.model_query(context, Flavor, read_deleted=read_deleted)
    for column, value in where.items():
        stmt = stmt.where(getattr(Flavor, column) == value)
    return context.session.scalars(stmt.order_by(Flavor.id)).first()


def _get_or_raise(context, flavorid, read_deleted='no'):
    row = _get(context, read_deleted=read_deleted, flavorid=flavorid)
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return row


@session.writer
def flavor_create(context, values, projects=None):
    """Create a flavor (with ``extra_specs`` in values, if any).

    Raises FlavorExists / FlavorIdExists for a live duplicate name or id.
    """
    values = dict(values)
    specs = values.pop('extra_specs', None) or {}
    values.pop('projects', None)
    if _get(context, name=values.get('name')) is not None:
        raise exception.FlavorExists(name=values.get('name'))
    if _get(context, flavorid=values.get('flavorid')) is not None:
        raise exception.FlavorIdExists(flavor_id=values.get('flavorid'))
    row = Flavor()
    row.update(values)
    try:
        row.save(context.session)
    except db_exc.DBDuplicateEntry as error:
        if 'name' in (error.columns or ()):
            raise exception.FlavorExists(name=values.get('name'))
        raise exception.FlavorIdExists(flavor_id=values.get('flavorid'))
    for key, value in specs.items():
        ExtraSpecs(instance_type_id=row.id, key=key,
                   value=value).save(context.session)
    for project_id in projects or ():
        Access(instance_type_id=row.id,
               project_id=project_id).save(context.session)
    return _as_dict(context, row)


@session.reader
def flavor_get(context, flavor_id):
    """By the internal integer id (deleted flavors too: instances keep
    pointing at the flavor they were built from)."""
    row = _get(context, read_deleted='yes', id=flavor_id)
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavor_id)
    return _as_dict(context, row)


@session.reader
def flavor_get_by_flavor_id(context, flavorid, read_deleted='no'):
    return _as_dict(context, _get_or_raise(context, flavorid, read_deleted))


@session.reader
def flavor_get_by_name(context, name):
    row = _get(context, name=name)
    if row is None:
        raise exception.FlavorNotFoundByName(flavor_name=name)
    return _as_dict(context, row)


def _visible(context, is_public):
    """The is_public filter as Nova applies it: True means public plus the
    private flavors the caller's project was given access to."""
    if is_public is None:
        return None
    if not is_public:
        return Flavor.is_public == sa.false()
    public = Flavor.is_public == sa.true()
    if getattr(context, 'is_admin', False) or not context.project_id:
        return public
    shared = sa.select(Access.instance_type_id).where(
        Access.deleted == 0, Access.project_id == context.project_id)
    return sa.or_(public, Flavor.id.in_(shared))


@session.reader
def flavor_get_all(context, inactive=False, filters=None, sort_key='flavorid',
                   sort_dir='asc', limit=None, marker=None):
    """Flavors matching ``filters`` (min_memory_mb, min_root_gb, disabled,
    is_public: True/False/None), sorted, after the flavor whose flavorid is
    ``marker``; at most ``limit``.  ``inactive`` includes deleted ones."""
    filters = filters or {}
    if sort_key not in SORT_KEYS:
        raise exception.Invalid(reason='Invalid sort_key %s' % sort_key)
    if sort_dir not in ('asc', 'desc'):
        raise exception.Invalid(reason='Invalid sort_dir %s' % sort_dir)
    stmt = utils.model_query(context, Flavor,
                             read_deleted='yes' if inactive else 'no')
    if 'min_memory_mb' in filters:
        stmt = stmt.where(Flavor.memory_mb >= filters['min_memory_mb'])
    if 'min_root_gb' in filters:
        stmt = stmt.where(Flavor.root_gb >= filters['min_root_gb'])
    if 'disabled' in filters:
        stmt = stmt.where(Flavor.disabled == bool(filters['disabled']))
    visible = _visible(context, filters.get('is_public', True))
    if visible is not None:
        stmt = stmt.where(visible)
    order = getattr(Flavor, sort_key)
    order = order.desc() if sort_dir == 'desc' else order.asc()
    tie = Flavor.id.desc() if sort_dir == 'desc' else Flavor.id.asc()
    rows = list(context.session.scalars(stmt.order_by(order, tie)))
    if marker is not None:
        ids = [row.flavorid for row in rows]
        if marker not in ids:
            raise exception.Invalid(reason='Marker %s could not be found.'
                                    % marker)
        rows = rows[ids.index(marker) + 1:]
    if limit is not None:
        rows = rows[:limit]
    return [_as_dict(context, row) for row in rows]


@session.writer
def flavor_update(context, flavorid, values):
    row = _get_or_raise(context, flavorid)
    row.update(values)
    row.save(context.session)
    return _as_dict(context, row)


@session.writer
def flavor_destroy(context, flavorid):
    """Soft-delete a flavor with its extra specs and access rows."""
    row = _get_or_raise(context, flavorid)
    for model in (ExtraSpecs, Access):
        for child in context.session.scalars(
                _live(context, model).where(
                    model.instance_type_id == row.id)):
            child.soft_delete(context.session)
    row.soft_delete(context.session)


# Extra specs -------------------------------------------------------------

@session.reader
def flavor_extra_specs_get(context, flavorid):
    return _as_dict(context, _get_or_raise(context, flavorid))['extra_specs']


@session.retry_on_deadlock
@session.writer
def flavor_extra_specs_update_or_create(context, flavorid, specs):
    row = _get_or_raise(context, flavorid)
    existing = {spec.key: spec for spec in context.session.scalars(
        _live(context, ExtraSpecs)
        .where(ExtraSpecs.instance_type_id == row.id))}
    for key, value in specs.items():
        spec = existing.get(key) or ExtraSpecs(instance_type_id=row.id,
                                               key=key)
        spec.value = value
        spec.save(context.session)
    return specs


@session.writer
def flavor_extra_specs_delete(context, flavorid, key):
    row = _get_or_raise(context, flavorid)
    spec = context.session.scalars(
        _live(context, ExtraSpecs).where(ExtraSpecs.instance_type_id == row.id,
                                         ExtraSpecs.key == key)).first()
    if spec is None:
        raise exception.FlavorExtraSpecsNotFound(flavor_id=flavorid,
                                                 extra_specs_key=key)
    spec.soft_delete(context.session)


# Access ------------------------------------------------------------------

@session.reader
def flavor_access_get_by_flavor_id(context, flavorid):
    return _as_dict(context, _get_or_raise(context, flavorid))['projects']


@session.writer
def flavor_access_add(context, flavorid, project_id):
    row = _get_or_raise(context, flavorid)
    present = context.session.scalars(
        _live(context, Access).where(Access.instance_type_id == row.id,
                                     Access.project_id == project_id)).first()
    if present is not None:
        raise exception.FlavorAccessExists(flavor_id=flavorid,
                                           project_id=project_id)
    try:
        Access(instance_type_id=row.id,
               project_id=project_id).save(context.session)
    except db_exc.DBDuplicateEntry:
        raise exception.FlavorAccessExists(flavor_id=flavorid,
                                           project_id=project_id)


@session.writer
def flavor_access_remove(context, flavorid, project_id):
    row = _get_or_raise(context, flavorid)
    access = context.session.scalars(
        _live(context, Access).where(Access.instance_type_id == row.id,
                                     Access.project_id == project_id)).first()
    if access is None:
        raise exception.FlavorAccessNotFound(flavor_id=flavorid,
                                             project_id=project_id)
    access.soft_delete(context.session)
