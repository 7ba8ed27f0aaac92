"""Migrations: resizes (and later cold/live migrations) of instances."""

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session
from nimbus import exception

Migration = models.Migration


@session.writer
def migration_create(context, values):
    migration = Migration()
    migration.update(values)
    migration.save(context.session)
    return migration.as_dict()


def _get(context, migration_id):
    row = context.session.scalars(utils.model_query(context, Migration).where(
        Migration.id == migration_id)).first()
    if row is None:
        raise exception.MigrationNotFound(migration_id=migration_id)
    return row


@session.reader
def migration_get(context, migration_id):
    return _get(context, migration_id).as_dict()


@session.writer
def migration_update(context, migration_id, values):
    row = _get(context, migration_id)
    row.update(values)
    row.save(context.session)
    return row.as_dict()


@session.reader
def migration_get_by_instance_and_status(context, instance_uuid, status):
    row = context.session.scalars(utils.model_query(context, Migration).where(
        Migration.instance_uuid == instance_uuid,
        Migration.status == status).order_by(Migration.id.desc())).first()
    if row is None:
        raise exception.MigrationNotFoundByStatus(
            instance_id=instance_uuid, status=status)
    return row.as_dict()


@session.reader
def migration_get_all_by_instance(context, instance_uuid):
    stmt = utils.model_query(context, Migration).where(
        Migration.instance_uuid == instance_uuid).order_by(Migration.id)
    return [row.as_dict() for row in context.session.scalars(stmt)]
