"""The Compute API (v2.1 with microversions; /v2 and /v1.1 as 2.1)."""

from nimbus.api.openstack.compute import routes
from nimbus.api.openstack import wsgi


def app_factory_v21(global_config, **local_config):
    return wsgi.APIRouter(routes.ROUTES)


def app_factory_v2_legacy(global_config, **local_config):
    return wsgi.APIRouter(routes.ROUTES, legacy_v2=True)
