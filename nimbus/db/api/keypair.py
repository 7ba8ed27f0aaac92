"""Key pairs: public keys of users, unique by (user_id, name)."""

from oslo_db import exception as db_exc

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session
from nimbus import exception

KeyPair = models.KeyPair


def _query(context, user_id):
    return (utils.model_query(context, KeyPair, read_deleted='no')
            .where(KeyPair.user_id == user_id)
            .order_by(KeyPair.name, KeyPair.id))


def _get(context, user_id, name):
    row = context.session.scalars(
        _query(context, user_id).where(KeyPair.name == name)).first()
    if row is None:
        raise exception.KeypairNotFound(user_id=user_id, name=name)
    return row


@session.writer
def key_pair_create(context, values):
    """Create a key pair; KeyPairExists when the user has one so named."""
    name = values.get('name')
    if context.session.scalars(_query(context, values.get('user_id')).where(
            KeyPair.name == name)).first() is not None:
        raise exception.KeyPairExists(key_name=name)
    row = KeyPair()
    row.update(values)
    try:
        row.save(context.session)
    except db_exc.DBDuplicateEntry:
        raise exception.KeyPairExists(key_name=name)
    return row.as_dict()


@session.reader
def key_pair_get(context, user_id, name):
    return _get(context, user_id, name).as_dict()


@session.reader
def key_pair_get_all_by_user(context, user_id, limit=None, marker=None):
    """The user's key pairs by name, after the one named ``marker``."""
    stmt = _query(context, user_id)
    if marker is not None:
        _get(context, user_id, marker)
        stmt = stmt.where(KeyPair.name > marker)
    if limit is not None:
        stmt = stmt.limit(limit)
    return utils.rows_as_dicts(context.session.scalars(stmt))


@session.reader
def key_pair_count_by_user(context, user_id):
    return len(list(context.session.scalars(_query(context, user_id))))


@session.writer
def key_pair_destroy(context, user_id, name):
    _get(context, user_id, name).soft_delete(context.session)
