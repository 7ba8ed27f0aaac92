"""The process an integration test runs in a network namespace (see
netns.Agent): it parses nimbus's config and executes the calls it reads,
one JSON object a line, on stdin."""

import json
import sys

from oslo_utils import importutils

from nimbus import config
from nimbus import context as nimbus_context
from nimbus import objects


class NetworkService:
    """A network manager as nimbus-network runs it (its database from
    the config), with JSON-friendly calls for the tests."""

    def __init__(self, manager_class, host, network_driver):
        objects.register_all()
        self.manager = importutils.import_class(manager_class)(
            host=host, network_driver_name=network_driver)

    def init_host(self):
        self.manager.init_host()

    def allocate(self, instance_uuid, project_id):
        return self.manager.allocate_for_instance(
            nimbus_context.get_admin_context(), instance_uuid, project_id,
            self.manager.host)

    def deallocate(self, instance_uuid):
        self.manager.deallocate_for_instance(
            nimbus_context.get_admin_context(), instance_uuid,
            self.manager.host)


def main():
    out = sys.stdout
    # Logging and anything else printed goes to stderr, not the channel.
    sys.stdout = sys.stderr
    config.parse_args(sys.argv, default_config_files=[], init_rpc=False)
    config.setup_logging()
    objects = {}
    out.write(json.dumps({'ready': True}) + '\n')
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if 'create' in request:
                cls = importutils.import_class(request['class'])
                objects[request['create']] = cls(*request['args'],
                                                 **request['kwargs'])
                result = None
            else:
                # 'method' may be a dotted path; a plain attribute at its
                # end is returned as it is.
                target = objects[request['call']]
                for name in request['method'].split('.'):
                    target = getattr(target, name)
                result = target(*request['args'], **request['kwargs']) \
                    if callable(target) else target
            answer = {'result': result}
            json.dumps(answer)
        except Exception as exc:
            answer = {'error': [type(exc).__name__, str(exc)]}
        out.write(json.dumps(answer) + '\n')
        out.flush()


if __name__ == '__main__':
    main()
