"""The root of the Compute API endpoint: version prefixes to pipelines.

``/v2.1`` and ``/v2.1/`` answer the version document themselves, without
authentication (clients' first call); anything below goes to the
version's pipeline.
"""

import webob.dec

from nimbus.api.openstack import versions
from nimbus.api.openstack import wsgi


class RootApp:
    def __init__(self, prefixes, default):
        # Longest prefix first, so /v2.1 wins over /v2.
        self.prefixes = sorted(prefixes.items(), key=lambda p: -len(p[0]))
        self.default = default

    @webob.dec.wsgify(RequestClass=wsgi.Request)
    def __call__(self, req):
        path = req.path_info
        for prefix, app in self.prefixes:
            if path == prefix or path.startswith(prefix + '/'):
                rest = path[len(prefix):]
                if rest in ('', '/') and req.method in ('GET', 'HEAD'):
                    return versions.version_document(req, prefix)
                req.script_name += prefix
                req.path_info = rest
                return req.get_response(app)
        return req.get_response(self.default)


def root_factory(loader, global_conf, **local_conf):
    default = loader.get_app(local_conf.pop('/'))
    prefixes = {prefix: loader.get_app(name)
                for prefix, name in local_conf.items()}
    return RootApp(prefixes, default)
