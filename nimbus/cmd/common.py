"""What every daemon's main() does: config, logging, objects, launcher."""

import gc
import sys
import time

from oslo_log import log as logging
import oslo_messaging as messaging

from nimbus import baserpc
from nimbus import config
from nimbus.conf import CONF
from nimbus import context as nimbus_context
from nimbus import objects
from nimbus import service

LOG = logging.getLogger(__name__)


def init(argv, **kwargs):
    """Parse config, set up logging, register objects."""
    config.parse_args(argv, **kwargs)
    config.setup_logging()
    objects.register_all()


def use_conductor_for_objects():
    """Send every remotable object method to nimbus-conductor: this
    process has no database access of its own (nimbus-compute)."""
    from nimbus.conductor import rpcapi as conductor_rpcapi
    from nimbus.objects import base as objects_base
    objects_base.NimbusObject.indirection_api = conductor_rpcapi.ConductorAPI()


def wait_for_conductor(stop_after=None, probe_timeout=1):
    """Block until a conductor answers a ping (logging while it does not)."""
    api = baserpc.BaseAPI('conductor')
    context = nimbus_context.get_admin_context()
    started = time.monotonic()
    warned = False
    while True:
        try:
            api.ping(context, 'compute', timeout=probe_timeout)
            if warned:
                LOG.info('nimbus-conductor answers; going on')
            return True
        except messaging.MessagingTimeout:
            if not warned:
                LOG.warning('Waiting for nimbus-conductor to answer')
                warned = True
        if stop_after is not None and time.monotonic() - started > stop_after:
            return False


def launch(services):
    """Start ``services`` under one launcher; run until SIGTERM/SIGINT."""
    launcher = service.Launcher(
        reload_hook=config.reload_config_and_logging)
    launcher.install_signal_handlers()
    try:
        for svc in services:
            launcher.launch_service(svc)
    except Exception as exc:
        LOG.exception('Could not start: %s', exc)
        launcher.stop()
        return 1
    tune_gc()
    return launcher.wait()


def tune_gc():
    """Keep the cyclic garbage collector off what lives as long as the
    daemon (modules, mappers, compiled statements, the configuration):
    frozen, they are not traversed again by every full collection, and
    the young generation is collected every 10,000 allocations instead of
    700 (a request allocates tens of thousands of short-lived objects).
    bench/api_servers.py: about 2% less CPU per boot+delete."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10000, 20, 20)


def rpc_service_main(binary, topic, manager_factory, argv=None):
    argv = sys.argv if argv is None else argv
    init(argv)
    svc = service.Service(CONF.host, binary, topic, manager_factory())
    return launch([svc])
