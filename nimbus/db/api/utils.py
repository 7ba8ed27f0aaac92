"""Helpers shared by the query modules."""

import functools

import sqlalchemy as sa

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


def dicts(context, stmt, keys, params=None):
    """The rows of ``stmt`` as dicts with ``keys``, read with Core."""
    return [dict(zip(keys, row)) for row in rows(context, stmt, params)]


def select_columns(model, *extra):
    """``select`` of every column of ``model`` (in ``column_keys``
    order), then ``extra``."""
    return sa.select(*[getattr(model, key) for key in column_keys(model)],
                     *extra)


def rows_as_dicts(rows):
    return [row.as_dict() for row in rows]


def column_dicts(context, stmt, model, **extra):
    """The rows of ``stmt`` (a select of ``model``, filtered and ordered)
    as dicts of column values, as ``as_dict`` gives them, read with Core:
    no ORM objects built (the ORM's per-row and per-statement work was
    most of the cost of the small reads the compute hosts ask for).
    ``extra``: more keys, each a column expression read with the row."""
    keys = column_keys(model) + list(extra)
    stmt = stmt.with_only_columns(
        *[getattr(model, key) for key in column_keys(model)],
        *extra.values())
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
