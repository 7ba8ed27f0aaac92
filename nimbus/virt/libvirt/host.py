"""The connection to libvirtd: opened lazily, reopened when it dies, with
a thread running libvirt's default event loop so that domain lifecycle
events (started, stopped, paused, ...) reach nimbus-compute as they
happen instead of at the next periodic sync.

libvirt calls event callbacks on the event-loop thread, where calling
back into libvirt can deadlock; callbacks only queue the event, and a
second thread hands it to the compute manager.
"""

import queue
import threading
import time
from xml.etree import ElementTree as etree

from oslo_log import log as logging

from nimbus import exception
from nimbus.virt.libvirt import guest as libvirt_guest

try:
    import libvirt
except ImportError:  # pragma: no cover - a dependency; checked by init_host
    libvirt = None

LOG = logging.getLogger(__name__)

_EVENT_LOOP_LOCK = threading.Lock()
_EVENT_LOOP_STARTED = False

#: A lifecycle event: the domain's uuid and libvirt's event code.
LifecycleEvent = tuple


def _start_event_loop():
    """Register libvirt's default event implementation (before any
    connection is opened, as libvirt requires) and run it on a daemon
    thread; once per process."""
    global _EVENT_LOOP_STARTED
    with _EVENT_LOOP_LOCK:
        if _EVENT_LOOP_STARTED:
            return
        libvirt.virEventRegisterDefaultImpl()
        # libvirt prints every error on stderr by default; nimbus reports
        # the ones that matter through its exceptions and logs.
        libvirt.registerErrorHandler(lambda ctx, err: None, None)

        def run():
            while True:
                try:
                    libvirt.virEventRunDefaultImpl()
                except Exception:
                    LOG.exception('libvirt event loop iteration failed')
                    time.sleep(1)

        threading.Thread(target=run, name='libvirt-event-loop',
                         daemon=True).start()
        _EVENT_LOOP_STARTED = True


class Host:
    """One libvirt connection and what it tells about the host.

    ``lifecycle_callback(uuid, event)`` is called, on a thread of its own,
    for every domain lifecycle event (libvirt.VIR_DOMAIN_EVENT_*).
    """

    def __init__(self, uri, lifecycle_callback=None):
        self.uri = uri
        self._lifecycle_callback = lifecycle_callback
        self._conn = None
        self._conn_lock = threading.Lock()
        self._events = queue.Queue()
        self._dispatcher = None
        self._caps = None

    # Connection ----------------------------------------------------------

    def initialize(self):
        if libvirt is None:
            raise exception.HypervisorUnavailable(
                host=self.uri, reason='libvirt-python is not installed')
        _start_event_loop()
        if self._dispatcher is None:
            self._dispatcher = threading.Thread(
                target=self._dispatch_events, name='libvirt-events',
                daemon=True)
            self._dispatcher.start()
        self.get_connection()

    def get_connection(self):
        with self._conn_lock:
            conn = self._conn
            if conn is not None:
                try:
                    if conn.isAlive():
                        return conn
                except libvirt.libvirtError:
                    pass
                LOG.warning('Connection to %s lost; reconnecting', self.uri)
                self._conn = None
            self._conn = self._connect()
            return self._conn

    def _connect(self):
        try:
            conn = libvirt.open(self.uri)
        except libvirt.libvirtError as exc:
            raise exception.HypervisorUnavailable(host=self.uri,
                                                  reason=str(exc))
        try:
            conn.domainEventRegisterAny(
                None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                self._on_lifecycle_event, None)
            conn.registerCloseCallback(self._on_close, None)
        except libvirt.libvirtError:
            LOG.exception('Cannot register for events of %s: power states '
                          'follow the periodic sync only', self.uri)
        LOG.info('Connected to %s (libvirt %s)', self.uri,
                 conn.getLibVersion())
        return conn

    def _on_close(self, conn, reason, opaque):
        LOG.warning('libvirt closed the connection to %s (reason %s)',
                    self.uri, reason)
        with self._conn_lock:
            if self._conn is conn:
                self._conn = None

    def close(self):
        with self._conn_lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except libvirt.libvirtError:
                pass

    # Events --------------------------------------------------------------

    def _on_lifecycle_event(self, conn, dom, event, detail, opaque):
        # On the event-loop thread: queue only.  Definitions come and go
        # with nimbus's own actions; they say nothing about power.
        if event in (libvirt.VIR_DOMAIN_EVENT_DEFINED,
                     libvirt.VIR_DOMAIN_EVENT_UNDEFINED):
            return
        try:
            self._events.put((dom.UUIDString(), event, detail))
        except Exception:
            LOG.exception('Could not queue a libvirt event')

    def _dispatch_events(self):
        while True:
            uuid, event, detail = self._events.get()
            LOG.debug('Lifecycle event %s/%s of %s', event, detail, uuid)
            if self._lifecycle_callback is None:
                continue
            try:
                self._lifecycle_callback(uuid, event)
            except Exception:
                LOG.exception('Handling the lifecycle event of %s failed',
                              uuid)

    # Domains ---------------------------------------------------------------

    def get_guest(self, uuid):
        """The Guest of domain ``uuid``; InstanceNotFound if none."""
        try:
            dom = self.get_connection().lookupByUUIDString(uuid)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                raise exception.InstanceNotFound(instance_id=uuid)
            raise
        return libvirt_guest.Guest(dom)

    def find_guest(self, uuid):
        """The Guest of domain ``uuid`` or None."""
        try:
            return self.get_guest(uuid)
        except exception.InstanceNotFound:
            return None

    def list_guests(self):
        return [libvirt_guest.Guest(dom) for dom in
                self.get_connection().listAllDomains(0)]

    def define_guest(self, xml):
        return libvirt_guest.Guest(self.get_connection().defineXML(xml))

    # The host ----------------------------------------------------------------

    def get_capabilities(self):
        """The host's capabilities document, parsed (cached)."""
        if self._caps is None:
            self._caps = etree.fromstring(
                self.get_connection().getCapabilities())
        return self._caps

    def get_arch(self):
        arch = self.get_capabilities().findtext('./host/cpu/arch')
        return arch or 'x86_64'

    def get_cpu_info(self):
        cpu = self.get_capabilities().find('./host/cpu')
        info = {'arch': self.get_arch(), 'model': None, 'vendor': None,
                'topology': {}, 'features': []}
        if cpu is not None:
            info['model'] = cpu.findtext('model')
            info['vendor'] = cpu.findtext('vendor')
            topology = cpu.find('topology')
            if topology is not None:
                info['topology'] = {k: int(v) for k, v in
                                    topology.attrib.items() if v.isdigit()}
            info['features'] = sorted(f.get('name') for f in
                                      cpu.findall('feature'))
        return info

    def get_info(self):
        """(memory MiB, logical cpus) of the host."""
        info = self.get_connection().getInfo()
        return info[1], info[2]

    def get_version(self):
        return self.get_connection().getVersion()
