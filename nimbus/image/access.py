"""Who may see and change an image.

Seeing comes first and is not a policy: an image a project may not see
answers 404, exactly like one that does not exist.  Changing is a policy
rule checked against the image's owner, so a project that sees another's
public image gets 403 when it tries to change it.
"""

from nimbus.db.api import image as image_db
from nimbus import exception
from nimbus import policy


def is_visible(context, image):
    if context.is_admin:
        return True
    if image['visibility'] in ('public', 'community'):
        return True
    if context.project_id is not None and image['owner'] == context.project_id:
        return True
    if image['visibility'] == 'shared' and context.project_id is not None:
        return image_db.image_member_accepted(context, image['id'],
                                              context.project_id)
    return False


def get_visible(context, image_id):
    """The image, or ImageNotFound if it does not exist for this caller."""
    image = image_db.image_get(context, image_id)
    if not is_visible(context, image):
        raise exception.ImageNotFound(image_id=image_id)
    return image


def authorize_read(context, action):
    policy.authorize(context, action)


def authorize_owner(context, action, image):
    """A rule about changing ``image``: the target is its owner."""
    policy.authorize(context, action, {'project_id': image['owner'],
                                       'user_id': context.user_id})


def authorize_visibility(context, visibility):
    if visibility == 'public':
        policy.authorize(context, 'publicize_image')
    elif visibility == 'community':
        policy.authorize(context, 'communitize_image')
