"""Default rules of the image API, under Glance's names.

The target of a rule is the image's owner project ({'project_id':
owner}); whether a caller may see an image at all (public, community,
shared with it, its own) is decided before any rule, so a project never
learns of another's private image (404, not 403).
"""

from oslo_policy import policy

from nimbus import policies as base

_IMAGE = '/v2/images/{image_id}'


def _rule(name, check_str, description, path, methods):
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'path': path, 'method': m} for m in methods])


rules = [
    _rule('get_images', base.PROJECT_READER, 'List images', '/v2/images',
          ('GET',)),
    _rule('get_image', base.PROJECT_READER, 'Show an image', _IMAGE,
          ('GET',)),
    _rule('add_image', base.PROJECT_MEMBER, 'Create an image',
          '/v2/images', ('POST',)),
    _rule('modify_image', base.PROJECT_MEMBER,
          "Change an image's attributes, properties and tags", _IMAGE,
          ('PATCH',)),
    _rule('delete_image', base.PROJECT_MEMBER, 'Delete an image', _IMAGE,
          ('DELETE',)),
    _rule('upload_image', base.PROJECT_MEMBER, "Upload an image's data",
          _IMAGE + '/file', ('PUT',)),
    _rule('download_image', base.PROJECT_READER,
          "Download an image's data", _IMAGE + '/file', ('GET',)),
    _rule('publicize_image', base.ADMIN,
          'Make an image public (visible to every project)', _IMAGE,
          ('POST', 'PATCH')),
    _rule('communitize_image', base.PROJECT_MEMBER,
          'Make an image community (usable by every project, not listed '
          'by default)', _IMAGE, ('POST', 'PATCH')),
    _rule('deactivate', base.ADMIN, "Deactivate an image (its data can "
          "no longer be downloaded)", _IMAGE + '/actions/deactivate',
          ('POST',)),
    _rule('reactivate', base.ADMIN, 'Reactivate a deactivated image',
          _IMAGE + '/actions/reactivate', ('POST',)),
]


def list_rules():
    return rules
