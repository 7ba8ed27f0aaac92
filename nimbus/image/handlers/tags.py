"""/v2/images/{image_id}/tags/{tag}: add and remove one tag."""

import webob.exc

from nimbus.db.api import image as image_db
from nimbus.image import access


def add(req, image_id, tag):
    context = req.context
    image = access.get_visible(context, image_id)
    access.authorize_owner(context, 'modify_image', image)
    if not 0 < len(tag) <= 255:
        raise webob.exc.HTTPBadRequest(
            explanation='A tag is 1 to 255 characters long.')
    image_db.image_tag_add(context, image_id, tag)
    return None


def delete(req, image_id, tag):
    context = req.context
    image = access.get_visible(context, image_id)
    access.authorize_owner(context, 'modify_image', image)
    image_db.image_tag_delete(context, image_id, tag)
    return None
