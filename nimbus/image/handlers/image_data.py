"""/v2/images/{image_id}/file: upload and download of image data.

Upload moves the image queued → saving → active; the data streams from
the request into the store without being held in memory.  A failed upload
puts the image back to queued, so the client may try again.
"""

from oslo_log import log as logging
import webob
import webob.exc

from nimbus.conf import CONF
from nimbus.db.api import image as image_db
from nimbus import exception
from nimbus.image import access
from nimbus.image import store

LOG = logging.getLogger(__name__)

_OCTET_STREAM = 'application/octet-stream'


def _request_chunks(req, chunk_size=store.CHUNK_SIZE):
    body = req.body_file
    while True:
        chunk = body.read(chunk_size)
        if not chunk:
            return
        yield chunk


def upload(req, image_id):
    context = req.context
    image = access.get_visible(context, image_id)
    access.authorize_owner(context, 'upload_image', image)
    if req.content_type not in ('', _OCTET_STREAM):
        raise webob.exc.HTTPUnsupportedMediaType(
            explanation='Image data must be sent as %s.' % _OCTET_STREAM)
    cap = CONF.image.image_size_cap
    if req.content_length is not None and req.content_length > cap:
        raise exception.ImageSizeLimitExceeded(limit=cap)
    try:
        image_db.image_update(context, image_id, {'status': 'saving'},
                              expected_status='queued')
    except exception.ImageConflict:
        raise webob.exc.HTTPConflict(
            explanation="Image %s is %s: data can only be uploaded to a "
                        "queued image." % (image_id, image['status']))
    file_store = store.FilesystemStore()
    try:
        data = file_store.add(image_id, _request_chunks(req),
                              disk_format=image['disk_format'],
                              size_cap=cap)
    except BaseException as exc:
        _back_to_queued(context, image_id)
        if isinstance(exc, (OSError, ValueError)):
            # A client that went away, or a full disk: say so, not 500.
            LOG.warning('Upload of image %s failed: %s', image_id, exc)
            raise webob.exc.HTTPBadRequest(
                explanation='Upload of the image data failed: %s' % exc)
        raise
    try:
        image_db.image_update(context, image_id, {
            'status': 'active', 'size': data.size,
            'virtual_size': data.virtual_size, 'checksum': data.checksum,
            'os_hash_algo': data.os_hash_algo,
            'os_hash_value': data.os_hash_value,
            'location': data.location}, expected_status='saving')
    except (exception.ImageNotFound, exception.ImageConflict):
        # Deleted (or changed) while its data arrived: keep nothing.
        file_store.delete(data.location)
        raise webob.exc.HTTPGone(
            explanation='Image %s was deleted during the upload.'
            % image_id)
    return None


def _back_to_queued(context, image_id):
    try:
        image_db.image_update(context, image_id, {'status': 'queued'},
                              expected_status='saving')
    except exception.NotFound:
        pass
    except exception.ImageConflict:
        pass


def download(req, image_id):
    context = req.context
    image = access.get_visible(context, image_id)
    access.authorize_read(context, 'download_image')
    if image['status'] == 'deactivated' and not context.is_admin:
        raise webob.exc.HTTPForbidden(
            explanation='The requested image has been deactivated. Image '
                        'data download is forbidden.')
    if image['status'] not in ('active', 'deactivated') or \
            not image['location']:
        # Glance's answer for an image without data.
        return webob.Response(status=204, content_type=None)
    try:
        chunks = store.FilesystemStore().get(image['location'])
    except exception.ImageDownloadFailed:
        LOG.error('Data of image %s is missing at %s', image_id,
                  image['location'])
        raise webob.exc.HTTPServiceUnavailable(
            explanation='The data of image %s is not available.' % image_id)
    resp = webob.Response(status=200, content_type=_OCTET_STREAM,
                          app_iter=chunks)
    resp.content_length = image['size']
    if image['checksum']:
        resp.headers['Content-MD5'] = image['checksum']
    return resp
