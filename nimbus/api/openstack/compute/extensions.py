"""GET /extensions: the v2.1 API has no extensions; clients still ask."""


def index(req):
    return {'extensions': []}
