"""Every URL of the image API (below /v2) and its handlers, in one table."""

from nimbus.image.handlers import image_data
from nimbus.image.handlers import images
from nimbus.image.handlers import schema_docs
from nimbus.image.handlers import tags

_IMAGE = '/images/{image_id}'

ROUTES = {
    '/schemas/image': {'GET': schema_docs.image},
    '/schemas/images': {'GET': schema_docs.images},
    '/images': {'GET': images.index, 'POST': images.create},
    _IMAGE: {'GET': images.show, 'PATCH': images.update,
             'DELETE': images.delete},
    _IMAGE + '/file': {'GET': image_data.download, 'PUT': image_data.upload},
    _IMAGE + '/tags/{tag}': {'PUT': tags.add, 'DELETE': tags.delete},
    _IMAGE + '/actions/deactivate': {'POST': images.deactivate},
    _IMAGE + '/actions/reactivate': {'POST': images.reactivate},
}
