"""Images of the image service: rows, free-form properties, tags, where
the data is kept.

An image is returned as a dict of its columns plus ``properties`` ({name:
value}), ``tags`` (sorted list) and ``location`` (URL of its data, or
None).  Who may see which image is decided here for lists (in SQL, so
paging stays right) and by the caller for single images (``image_get``
returns any live image).
"""

import functools

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import utils as sqlalchemyutils
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session
from nimbus import exception

Image = models.Image
ImageProperty = models.ImageProperty
ImageTag = models.ImageTag
ImageMember = models.ImageMember
ImageLocation = models.ImageLocation

# Filters matched against columns; any other filter is an extra property.
COLUMN_FILTERS = ('id', 'name', 'status', 'visibility', 'owner',
                  'disk_format', 'container_format', 'checksum',
                  'os_hash_value', 'min_disk', 'min_ram', 'protected')
SORT_KEYS = ('name', 'status', 'container_format', 'disk_format', 'size',
             'virtual_size', 'id', 'created_at', 'updated_at', 'min_disk',
             'min_ram', 'visibility', 'owner')


def _live(context, model):
    return utils.model_query(context, model, read_deleted='no')


def _image_row(context, image_id, for_update=False):
    stmt = _live(context, Image).where(Image.id == image_id)
    if for_update:
        # Two uploads to one queued image: the second waits, then sees
        # 'saving' (SQLite locks the whole database at BEGIN anyway).
        stmt = stmt.with_for_update()
    row = context.session.scalars(stmt).first()
    if row is None:
        raise exception.ImageNotFound(image_id=image_id)
    return row


def _children(context, model, image_ids):
    if not image_ids:
        return []
    return context.session.scalars(
        _live(context, model).where(model.image_id.in_(image_ids))
        .order_by(model.id)).all()


@functools.lru_cache(maxsize=None)
def _children_stmt():
    """(image_id, kind, name, value) of the live properties (kind 1),
    tags (2) and locations (3) of the images ``ids``, each kind in the
    order of its rows' ids: one statement for the three."""
    ids = sa.bindparam('ids', expanding=True)
    none = sa.cast(sa.null(), sa.String(255))
    parts = []
    for kind, model, name, value in (
            (1, ImageProperty, ImageProperty.name, ImageProperty.value),
            (2, ImageTag, none, ImageTag.value),
            (3, ImageLocation, none, ImageLocation.value)):
        parts.append(sa.select(
            model.image_id, sa.literal_column(str(kind)).label('kind'),
            name.label('name'), value.label('value'),
            model.id.label('id'))
            .where(model.image_id.in_(ids), model.deleted == 0))
    union = sa.union_all(*parts).subquery()
    return sa.select(union.c.image_id, union.c.kind, union.c.name,
                     union.c.value).order_by(union.c.kind, union.c.id)


def _as_dicts(context, rows):
    """Image rows (or dicts of their columns) as dicts, with properties,
    tags and location."""
    rows = [row if isinstance(row, dict) else row.as_dict() for row in rows]
    images = {row['id']: dict(row, properties={}, tags=[], location=None)
              for row in rows}
    if images:
        for image_id, kind, name, value in utils.rows(
                context, _children_stmt(), {'ids': list(images)}):
            image = images[image_id]
            if kind == 1:
                image['properties'][name] = value
            elif kind == 2:
                image['tags'].append(value)
            elif image['location'] is None:
                image['location'] = value
    for image in images.values():
        image['tags'].sort()
    return [images[row['id']] for row in rows]


def _image_dict(context, row):
    return _as_dicts(context, [row])[0]


def _set_properties(context, image_id, properties):
    """Set (value) or remove (None) properties by name."""
    if not properties:
        return
    existing = {prop.name: prop for prop in _children(
        context, ImageProperty, [image_id])}
    for name, value in properties.items():
        prop = existing.get(name)
        if value is None:
            if prop is not None:
                prop.soft_delete(context.session)
        elif prop is not None:
            prop.value = value
            prop.save(context.session)
        else:
            ImageProperty(image_id=image_id, name=name,
                          value=value).save(context.session)


def _set_tags(context, image_id, tags):
    wanted = set(tags)
    for tag in _children(context, ImageTag, [image_id]):
        if tag.value in wanted:
            wanted.discard(tag.value)
        else:
            tag.soft_delete(context.session)
    for value in sorted(wanted):
        ImageTag(image_id=image_id, value=value).save(context.session)


def _set_location(context, image_id, url):
    for location in _children(context, ImageLocation, [image_id]):
        location.soft_delete(context.session)
    if url:
        ImageLocation(image_id=image_id, value=url,
                      status='active').save(context.session)


def _split(values):
    values = dict(values)
    extra = {key: values.pop(key, None)
             for key in ('properties', 'tags', 'location')}
    return values, extra


@session.writer
def image_create(context, values):
    """Create an image from column values (``id`` optional) plus optional
    ``properties`` and ``tags``; returns it as a dict.  Raises
    ImageConflict when the id is taken, even by a deleted image."""
    columns, extra = _split(values)
    image = Image()
    image.update(columns)
    if image.id is None:
        image.id = uuidutils.generate_uuid()
    if context.session.get(Image, image.id) is not None:
        raise exception.ImageConflict(image_id=image.id,
                                      reason='an image with this id exists')
    try:
        image.save(context.session)
    except db_exc.DBDuplicateEntry:
        raise exception.ImageConflict(image_id=image.id,
                                      reason='an image with this id exists')
    _set_properties(context, image.id, extra['properties'])
    _set_tags(context, image.id, extra['tags'] or [])
    return _image_dict(context, image)


@session.reader
def image_get(context, image_id):
    """A live image, whoever owns it; ImageNotFound if there is none."""
    # Columns only, from a statement built once: no ORM object, and no
    # statement and cache key built, for the read of every boot's image.
    found = utils.dicts(context, _image_get_stmt(), utils.column_keys(Image),
                        {'image_id': image_id})
    if not found:
        raise exception.ImageNotFound(image_id=image_id)
    return _image_dict(context, found[0])


@functools.cache
def _image_get_stmt():
    return utils.select_columns(Image).where(
        Image.deleted == 0, Image.id == sa.bindparam('image_id'))


@session.reader
def image_member_accepted(context, image_id, member):
    """Whether ``member`` (a project) accepted the sharing of the image."""
    return context.session.scalars(_live(context, ImageMember).where(
        ImageMember.image_id == image_id, ImageMember.member == member,
        ImageMember.status == 'accepted')).first() is not None


def _visible_to(context, visibility):
    """The condition for images a non-admin project may list."""
    project = context.project_id
    owned = Image.owner == project
    member = sa.exists().where(
        ImageMember.image_id == Image.id, ImageMember.member == project,
        ImageMember.deleted == 0, ImageMember.status == 'accepted')
    if visibility == 'public':
        return Image.visibility == 'public'
    if visibility == 'private':
        return sa.and_(Image.visibility == 'private', owned)
    if visibility == 'shared':
        return sa.and_(Image.visibility == 'shared', sa.or_(owned, member))
    if visibility == 'community':
        return Image.visibility == 'community'
    listed = [Image.visibility == 'public', owned,
              sa.and_(Image.visibility == 'shared', member)]
    if visibility == 'all':
        listed.append(Image.visibility == 'community')
    return sa.or_(*listed)


def _column_filter(column, value):
    if isinstance(value, (list, tuple, set)):
        return column.in_(list(value))
    return column == value


def _property_filter(name, value):
    cond = [ImageProperty.image_id == Image.id, ImageProperty.name == name,
            ImageProperty.deleted == 0]
    if isinstance(value, (list, tuple, set)):
        cond.append(ImageProperty.value.in_(list(value)))
    else:
        cond.append(ImageProperty.value == value)
    return sa.exists().where(*cond)


def _filtered(context, filters):
    filters = dict(filters or {})
    visibility = filters.pop('visibility', None)
    stmt = _live(context, Image)
    if context.is_admin:
        if visibility not in (None, 'all'):
            stmt = stmt.where(Image.visibility == visibility)
    else:
        stmt = stmt.where(_visible_to(context, visibility))
    for tag in filters.pop('tags', None) or ():
        stmt = stmt.where(sa.exists().where(
            ImageTag.image_id == Image.id, ImageTag.value == tag,
            ImageTag.deleted == 0))
    if filters.get('size_min') is not None:
        stmt = stmt.where(Image.size >= filters.pop('size_min'))
    if filters.get('size_max') is not None:
        stmt = stmt.where(Image.size <= filters.pop('size_max'))
    filters.pop('size_min', None)
    filters.pop('size_max', None)
    for key, value in filters.items():
        if key in COLUMN_FILTERS:
            stmt = stmt.where(_column_filter(getattr(Image, key), value))
        else:
            stmt = stmt.where(_property_filter(key, value))
    return stmt


@session.reader
def image_get_all(context, filters=None, marker=None, limit=None,
                  sort_keys=None, sort_dirs=None):
    """Images the context may list, filtered, sorted and paged.

    ``filters`` maps a column (or an extra property) to a value or a list
    of values; also ``visibility`` (public, private, shared, community,
    all; unset: what Glance lists by default), ``tags`` (all of them),
    ``size_min``/``size_max``.  ``marker`` is the id of the last image
    of the previous page, which the context must be able to list, else
    MarkerNotFound.  Sorting is by ``sort_keys`` (default created_at,
    then id), each with its direction (default desc).
    """
    sort_keys = list(sort_keys or ['created_at'])
    sort_dirs = list(sort_dirs or ['desc'] * len(sort_keys))
    for key in sort_keys:
        if key not in SORT_KEYS:
            raise exception.InvalidSortKey(reason=key)
    if 'id' not in sort_keys:
        sort_keys.append('id')
        sort_dirs.append(sort_dirs[-1] if sort_dirs else 'desc')
    stmt = _filtered(context, filters)
    marker_row = None
    if marker is not None:
        marker_row = context.session.scalars(
            _filtered(context, {k: v for k, v in (filters or {}).items()
                                if k == 'visibility'})
            .where(Image.id == marker)).first()
        if marker_row is None:
            raise exception.MarkerNotFound(marker=marker)
    stmt = sqlalchemyutils.paginate_query(stmt, Image, limit, sort_keys,
                                          marker=marker_row,
                                          sort_dirs=sort_dirs)
    return _as_dicts(context, context.session.scalars(stmt).all())


@session.writer
def image_update(context, image_id, values, expected_status=None):
    """Change an image: column values, plus ``properties`` ({name: value,
    or None to remove}), ``tags`` (the new list) and ``location`` (the
    data's URL, '' to forget it).  With ``expected_status`` (a status or a
    tuple of them) the change only happens in that status, else
    ImageConflict.  Returns the image as a dict."""
    columns, extra = _split(values)
    image = _image_row(context, image_id,
                       for_update=expected_status is not None)
    if expected_status is not None:
        allowed = ((expected_status,) if isinstance(expected_status, str)
                   else tuple(expected_status))
        if image.status not in allowed:
            raise exception.ImageConflict(
                image_id=image_id,
                reason='status is %s, not %s' % (image.status,
                                                 ' or '.join(allowed)))
    image.update(columns)
    # A change of properties or tags alone is still a change of the image.
    image.updated_at = timeutils.utcnow()
    image.save(context.session)
    _set_properties(context, image_id, extra['properties'])
    if extra['tags'] is not None:
        _set_tags(context, image_id, extra['tags'])
    if extra['location'] is not None:
        _set_location(context, image_id, extra['location'])
    return _image_dict(context, image)


@session.writer
def image_tag_add(context, image_id, tag):
    _image_row(context, image_id)
    found = context.session.scalars(_live(context, ImageTag).where(
        ImageTag.image_id == image_id, ImageTag.value == tag)).first()
    if found is None:
        ImageTag(image_id=image_id, value=tag).save(context.session)
        _touch(context, image_id)


@session.writer
def image_tag_delete(context, image_id, tag):
    _image_row(context, image_id)
    found = context.session.scalars(_live(context, ImageTag).where(
        ImageTag.image_id == image_id, ImageTag.value == tag)).first()
    if found is None:
        raise exception.ImageTagNotFound(image_id=image_id, tag=tag)
    found.soft_delete(context.session)
    _touch(context, image_id)


def _touch(context, image_id):
    image = _image_row(context, image_id)
    image.updated_at = timeutils.utcnow()
    image.save(context.session)


@session.writer
def image_destroy(context, image_id):
    """Mark an image deleted with its properties, tags, members and
    locations; returns it as it was (its ``location`` tells the caller
    what data to remove)."""
    image = _image_row(context, image_id)
    result = _image_dict(context, image)
    for model in (ImageProperty, ImageTag, ImageMember, ImageLocation):
        for row in _children(context, model, [image_id]):
            row.soft_delete(context.session)
    image.status = 'deleted'
    image.soft_delete(context.session)
    return result
