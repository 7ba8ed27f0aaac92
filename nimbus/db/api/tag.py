"""Tags of instances (microversion 2.26): plain rows, really deleted."""

import sqlalchemy as sa

from nimbus.db import models
from nimbus.db import session

Tag = models.Tag


@session.reader
def tag_get_by_resource(context, resource_id):
    rows = context.session.scalars(
        sa.select(Tag.tag).where(Tag.resource_id == resource_id)
        .order_by(Tag.tag))
    return list(rows)


@session.writer
def tag_set(context, resource_id, tags):
    """Replace every tag of ``resource_id`` by ``tags``; returns them."""
    context.session.execute(sa.delete(Tag).where(
        Tag.resource_id == resource_id))
    for tag in sorted(set(tags)):
        context.session.add(Tag(resource_id=resource_id, tag=tag))
    return sorted(set(tags))
