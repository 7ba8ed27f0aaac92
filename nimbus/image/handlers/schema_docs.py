"""/v2/schemas/image and /v2/schemas/images: the documents glanceclient
and rally read."""

from nimbus.image import schemas


def image(req):
    return schemas.image_schema()


def images(req):
    return schemas.images_schema()
