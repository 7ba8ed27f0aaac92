"""EC2 ids: the integer behind i-/ami-XXXXXXXX of a uuid, made on first
use (the row id of the mapping table, shown in hex)."""

from oslo_db import exception as db_exc
import sqlalchemy as sa

from nimbus.db import models
from nimbus.db import session


def _get_or_create(context, model, uuid):
    @session.reader
    def read(ctx):
        return ctx.session.scalar(sa.select(model.id).where(
            model.uuid == uuid))

    @session.writer
    def create(ctx):
        row = model(uuid=uuid)
        ctx.session.add(row)
        ctx.session.flush()
        return row.id

    found = read(context)
    if found is not None:
        return found
    try:
        return create(context)
    except db_exc.DBDuplicateEntry:
        # Made by a concurrent request meanwhile.
        return read(context)


def ec2_instance_id(context, instance_uuid):
    """The integer of the instance's i-XXXXXXXX id."""
    return _get_or_create(context, models.InstanceIdMapping, instance_uuid)


def ec2_image_id(context, image_uuid):
    """The integer of the image's ami-XXXXXXXX id."""
    return _get_or_create(context, models.S3Image, image_uuid)
