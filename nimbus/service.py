"""The service framework every nimbus daemon runs on.

A ``Service`` registers itself in the services table, serves RPC on its
topic (``topic`` and ``topic.host``), heartbeats every ``report_interval``
and runs its manager's periodic tasks.  A ``WSGIService`` does the same for
an HTTP API.  The ``Launcher`` runs one or more of them in a process and owns
its signals: SIGTERM/SIGINT stop gracefully (the RPC server stops taking
messages, requests in flight finish), SIGHUP reloads configuration and
logging.

nimbus uses threads, not eventlet: oslo.messaging's threading executor
serves RPC, and each service has one heartbeat and one periodic thread.
"""

import random
import signal
import threading

import oslo_messaging as messaging
from oslo_log import log as logging

from nimbus import baserpc
from nimbus.conf import CONF
from nimbus import context as nimbus_context
from nimbus import exception
from nimbus import objects
from nimbus import rpc

LOG = logging.getLogger(__name__)


class BaseService:
    """Registration in the services table and the heartbeat thread."""

    def __init__(self, host, binary, topic=None, report_interval=None):
        self.host = host
        self.binary = binary
        self.topic = topic
        self.report_interval = report_interval or CONF.report_interval
        self.service_ref = None
        self.model_disconnected = False
        self._stop_event = threading.Event()
        self._threads = []

    # Registration -------------------------------------------------------

    def _register(self, context):
        """Find or create this service's row (through the conductor on a
        compute node, since objects then carry an indirection API)."""
        try:
            service = objects.Service.get_by_host_and_binary(
                context, self.host, self.binary)
        except exception.NotFound:
            service = objects.Service(context, host=self.host,
                                      binary=self.binary, topic=self.topic,
                                      report_count=0)
            try:
                service.create()
            except exception.ServiceExists:
                # Another process registered the same host+binary first.
                service = objects.Service.get_by_host_and_binary(
                    context, self.host, self.binary)
        if service.topic != self.topic:
            service.topic = self.topic
            service.save()
        return service

    # Heartbeat ------------------------------------------------------------

    def report_state(self):
        """Write one heartbeat; log once when the DB (or conductor) is lost
        and once when it is back."""
        try:
            self.service_ref.heartbeat()
        except Exception:
            if not self.model_disconnected:
                self.model_disconnected = True
                LOG.exception('%s on %s: heartbeat failed; will keep trying',
                              self.binary, self.host)
            return False
        if self.model_disconnected:
            self.model_disconnected = False
            LOG.info('%s on %s: heartbeat written again', self.binary,
                     self.host)
        return True

    def _heartbeat_loop(self):
        while not self._stop_event.wait(self.report_interval):
            self.report_state()

    def _spawn(self, name, target):
        thread = threading.Thread(target=target, daemon=True,
                                  name='%s-%s' % (self.binary, name))
        thread.start()
        self._threads.append(thread)

    def start(self):
        context = nimbus_context.get_admin_context()
        self.service_ref = self._register(context)
        self.report_state()
        self._spawn('heartbeat', self._heartbeat_loop)
        LOG.info('%s started on %s (service id %s)', self.binary, self.host,
                 self.service_ref.id)

    def stop(self):
        self._stop_event.set()

    def wait(self, timeout=None):
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def reset(self):
        """Called on SIGHUP after the configuration was reloaded."""


class Service(BaseService):
    """An RPC service: manager endpoints on ``topic`` and ``topic.host``."""

    def __init__(self, host, binary, topic, manager, report_interval=None,
                 periodic_enable=None, periodic_interval=None,
                 periodic_fuzzy_delay=None):
        super().__init__(host, binary, topic, report_interval)
        self.manager = manager
        self.periodic_enable = (CONF.periodic_enable if periodic_enable is None
                                else periodic_enable)
        self.periodic_interval = periodic_interval or CONF.periodic_interval
        self.periodic_fuzzy_delay = (CONF.periodic_fuzzy_delay
                                     if periodic_fuzzy_delay is None
                                     else periodic_fuzzy_delay)
        self.rpcserver = None

    def start(self):
        self.manager.init_host()
        super().start()
        self.manager.service_ref = self.service_ref
        self.manager.pre_start_hook()
        target = messaging.Target(topic=self.topic, server=self.host)
        endpoints = [self.manager,
                     baserpc.BaseRPCAPI(self.binary, self.host)]
        endpoints.extend(self.manager.additional_endpoints)
        self.rpcserver = rpc.get_server(target, endpoints)
        self.rpcserver.start()
        self.manager.post_start_hook()
        if self.periodic_enable:
            self._spawn('periodic', self._periodic_loop)

    def _periodic_loop(self):
        if self.periodic_fuzzy_delay:
            delay = random.uniform(0, self.periodic_fuzzy_delay)
            if self._stop_event.wait(delay):
                return
        context = nimbus_context.get_admin_context()
        while not self._stop_event.is_set():
            try:
                idle = self.manager.periodic_tasks(context)
            except Exception:
                LOG.exception('%s: periodic tasks failed', self.binary)
                idle = None
            if idle is None or idle > self.periodic_interval:
                idle = self.periodic_interval
            self._stop_event.wait(max(idle, 0.1))

    def stop(self):
        """Stop taking RPC messages; ``wait`` lets in-flight ones finish."""
        super().stop()
        if self.rpcserver is not None:
            try:
                self.rpcserver.stop()
            except Exception:
                LOG.exception('%s: stopping the RPC server failed',
                              self.binary)

    def wait(self, timeout=None):
        if self.rpcserver is not None:
            waiter = threading.Thread(target=self.rpcserver.wait,
                                      daemon=True)
            waiter.start()
            waiter.join(timeout)
            if waiter.is_alive():
                LOG.warning('%s: requests still in flight after %ss; '
                            'exiting anyway', self.binary, timeout)
            self.rpcserver = None
        super().wait(timeout)
        self.manager.cleanup_host()

    def reset(self):
        self.manager.reset()


class WSGIService(BaseService):
    """An HTTP API served by a threaded WSGI server, with a heartbeat."""

    def __init__(self, host, binary, server, report_interval=None):
        super().__init__(host, binary, None, report_interval)
        self.server = server

    @property
    def port(self):
        return self.server.port

    def start(self):
        self.server.start()
        super().start()

    def stop(self):
        super().stop()
        self.server.stop()

    def wait(self, timeout=None):
        self.server.wait(timeout)
        super().wait(timeout)


class Launcher:
    """Runs services in this process until SIGTERM/SIGINT."""

    def __init__(self, reload_hook=None):
        self.services = []
        self._stop_requested = threading.Event()
        self._reload_requested = threading.Event()
        self._reload_hook = reload_hook

    def launch_service(self, service):
        service.start()
        self.services.append(service)

    def _on_stop_signal(self, signum, frame):
        LOG.info('Caught %s, stopping', signal.Signals(signum).name)
        self._stop_requested.set()

    def _on_reload_signal(self, signum, frame):
        self._reload_requested.set()

    def install_signal_handlers(self):
        signal.signal(signal.SIGTERM, self._on_stop_signal)
        signal.signal(signal.SIGINT, self._on_stop_signal)
        signal.signal(signal.SIGHUP, self._on_reload_signal)

    def request_stop(self):
        self._stop_requested.set()

    def reload(self):
        LOG.info('Reloading configuration and logging')
        if self._reload_hook is not None:
            self._reload_hook()
        for service in self.services:
            service.reset()

    def wait(self):
        """Block until asked to stop, then stop every service gracefully."""
        while not self._stop_requested.wait(0.5):
            if self._reload_requested.is_set():
                self._reload_requested.clear()
                try:
                    self.reload()
                except Exception:
                    LOG.exception('Reload failed; keeping the old settings')
        self.stop()
        return 0

    def stop(self):
        """Stop every service, then wait for all of them at once: a
        service's wait includes its RPC workers' exit, which takes up to
        a second each (futurist's idle workers look for work, and for the
        stop, once a second), so one after the other a process of five
        services took 3 s to stop, together 1 s."""
        timeout = CONF.graceful_shutdown_timeout or None
        for service in reversed(self.services):
            service.stop()
        waiters = [threading.Thread(target=service.wait, args=(timeout,),
                                    daemon=True)
                   for service in reversed(self.services)]
        for waiter in waiters:
            waiter.start()
        for waiter in waiters:
            waiter.join()
        self.services = []
        LOG.info('All services stopped')
