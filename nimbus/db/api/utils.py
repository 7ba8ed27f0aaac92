"""Helpers shared by the query modules."""

import functools

import sqlalchemy as sa

from nimbus.db.models import base as models_base

_READ_DELETED = ('no', 'yes', 'only')


def model_query(context, model, read_deleted=None, project_only=False):
    """``select(model)`` filtered for soft deletion and, optionally, project.

    ``read_deleted`` is 'no' (live rows only), 'yes' (all) or 'only'
    (deleted rows only); it defaults to the context's own ``read_deleted``,
    else 'no'. With ``project_only``, a non-admin context sees only rows of
    its own project.
    """
    if read_deleted is None:
        read_deleted = getattr(context, 'read_deleted', 'no')
    if read_deleted not in _READ_DELETED:
        raise ValueError('read_deleted must be one of %s, not %r'
                         % (', '.join(_READ_DELETED), read_deleted))
    stmt = sa.select(model)
    if read_deleted == 'no':
        stmt = stmt.where(model.deleted == 0)
    elif read_deleted == 'only':
        stmt = stmt.where(model.deleted != 0)
    if project_only and not getattr(context, 'is_admin', False):
        stmt = stmt.where(model.project_id == context.project_id)
    return stmt


def prebuilt(build):
    """Decorate a function of no arguments that builds a statement (its
    values as ``sa.bindparam``): the statement is built once. Building one
    per call, and its cache key, was most of the cost of the small
    statements of an allocation, profiled."""
    return functools.cache(build)


def insert_row(context, model, values):
    """INSERT one ``model`` row with Core, in the session's transaction;
    returns it as a dict of every column, as the ORM would hold it after
    its flush: the columns not in ``values`` get their Python-side
    defaults (created_at, deleted...), an autoincrement id the new key.
    The ORM's unit of work cost more than the statement."""
    row = dict.fromkeys(models_base.column_keys(model))
    unknown = set(values) - set(row)
    if unknown:
        raise ValueError('%s has no column(s) %s' % (
            model.__tablename__, ', '.join(sorted(unknown))))
    row.update(values)
    for key, default in _python_defaults(model):
        if key not in values:
            row[key] = default()
    autoincrement = _autoincrement_key(model)
    if autoincrement is not None and row[autoincrement] is None:
        del row[autoincrement]
    result = execute(context, _insert_statement(model), row)
    if autoincrement is not None and autoincrement not in row:
        row[autoincrement] = result.inserted_primary_key[0]
    return {key: row[key] for key in models_base.column_keys(model)}


@functools.cache
def _insert_statement(model):
    return sa.insert(model.__table__)


@functools.cache
def _python_defaults(model):
    """(attribute key, function of no arguments) of the columns with a
    Python-side default."""
    result = []
    for attr in sa.inspect(model).column_attrs:
        default = attr.columns[0].default
        if default is None:
            continue
        if default.is_scalar:
            result.append((attr.key, (lambda value: lambda: value)(
                default.arg)))
        elif default.is_callable:
            result.append((attr.key, (lambda fn: lambda: fn(None))(
                default.arg)))
    return tuple(result)


@functools.cache
def _autoincrement_key(model):
    table = model.__table__
    column = table.autoincrement_column
    if column is None:
        return None
    for attr in sa.inspect(model).column_attrs:
        if attr.columns[0] is column:
            return attr.key
    return None


def dicts(context, stmt, keys, params=None):
    """The rows of ``stmt`` as dicts with ``keys``, read with Core."""
    return [dict(zip(keys, row)) for row in rows(context, stmt, params)]


def select_columns(model, *extra):
    """``select`` of every column of ``model`` (in ``column_keys``
    order), then ``extra``."""
    return sa.select(*[getattr(model, key) for key in column_keys(model)],
                     *extra)


def only_columns(stmt, model, *extra):
    """``stmt`` (a select of ``model``, filtered and ordered) reading
    every column of ``model`` (in ``column_keys`` order), then ``extra``."""
    return stmt.with_only_columns(
        *[getattr(model, key) for key in column_keys(model)], *extra)


def rows_as_dicts(rows):
    return [row.as_dict() for row in rows]


def column_dicts(context, stmt, model, **extra):
    """The rows of ``stmt`` (a select of ``model``, filtered and ordered)
    as dicts of column values, as ``as_dict`` gives them, read with Core:
    no ORM objects built (the ORM's per-row and per-statement work was
    most of the cost of the small reads the compute hosts ask for).
    ``extra``: more keys, each a column expression read with the row."""
    keys = column_keys(model) + list(extra)
    stmt = only_columns(stmt, model, *extra.values())
    return [dict(zip(keys, row)) for row in rows(context, stmt)]


_COLUMN_KEYS = {}


def column_keys(model):
    """The keys of ``model``'s columns, as ``as_dict`` has them."""
    keys = _COLUMN_KEYS.get(model)
    if keys is None:
        keys = _COLUMN_KEYS[model] = [
            attr.key for attr in sa.inspect(model).mapper.column_attrs]
    return keys


def execute(context, stmt, params=None):
    """Execute a Core statement (an INSERT, UPDATE...) on the session's
    connection, in its transaction, without the ORM's per-statement work;
    pending ORM changes are flushed first."""
    context.session.flush()
    return context.session.connection().execute(stmt, params)


def rows(context, stmt, params=None):
    """Column rows of ``stmt`` on the session's connection, in its
    transaction: for reads of plain columns, without the ORM's per-statement
    work (a third of a GET of a server, profiled). Pending ORM changes are
    flushed first, as the session would."""
    context.session.flush()
    return context.session.connection().execute(stmt, params)
