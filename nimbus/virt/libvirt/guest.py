"""One libvirt domain: its state and the verbs nimbus needs on it."""

import time

from oslo_log import log as logging

from nimbus.compute import power_state

try:
    import libvirt
except ImportError:  # pragma: no cover
    libvirt = None

LOG = logging.getLogger(__name__)


def _power_states():
    return {
        libvirt.VIR_DOMAIN_NOSTATE: power_state.NOSTATE,
        libvirt.VIR_DOMAIN_RUNNING: power_state.RUNNING,
        libvirt.VIR_DOMAIN_BLOCKED: power_state.RUNNING,
        libvirt.VIR_DOMAIN_PAUSED: power_state.PAUSED,
        libvirt.VIR_DOMAIN_SHUTDOWN: power_state.RUNNING,  # shutting down
        libvirt.VIR_DOMAIN_SHUTOFF: power_state.SHUTDOWN,
        libvirt.VIR_DOMAIN_CRASHED: power_state.CRASHED,
        libvirt.VIR_DOMAIN_PMSUSPENDED: power_state.SUSPENDED,
    }


class Guest:
    def __init__(self, domain):
        self._domain = domain

    @property
    def uuid(self):
        return self._domain.UUIDString()

    @property
    def name(self):
        return self._domain.name()

    @property
    def id(self):
        return self._domain.ID()

    def xml_desc(self, inactive=False):
        flags = libvirt.VIR_DOMAIN_XML_INACTIVE if inactive else 0
        return self._domain.XMLDesc(flags)

    # State ---------------------------------------------------------------

    def is_active(self):
        return bool(self._domain.isActive())

    def has_managed_save(self):
        return bool(self._domain.hasManagedSaveImage(0))

    def get_power_state(self):
        """nimbus's power state: a shut-off domain with a managed save
        image is SUSPENDED."""
        state, _reason = self._domain.state(0)
        if state == libvirt.VIR_DOMAIN_SHUTOFF and self.has_managed_save():
            return power_state.SUSPENDED
        return _power_states().get(state, power_state.NOSTATE)

    def get_info(self):
        """(power state, max KiB, KiB, vcpus, cpu time ns)."""
        _state, max_mem, mem, vcpus, cpu_time = self._domain.info()
        return self.get_power_state(), max_mem, mem, vcpus, cpu_time

    # Verbs ---------------------------------------------------------------

    def launch(self, pause=False):
        """Start the domain (from its managed save image, if it has one)."""
        flags = libvirt.VIR_DOMAIN_START_PAUSED if pause else 0
        self._domain.createWithFlags(flags)

    def shutdown(self):
        """Ask the guest OS to power off (ACPI)."""
        self._domain.shutdown()

    def destroy(self):
        """Pull the plug; a domain already off is no error."""
        try:
            self._domain.destroy()
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_OPERATION_INVALID:
                raise

    def wait_for_shutoff(self, timeout, interval=0.1):
        """Wait up to ``timeout`` seconds for the domain to be off; True
        if it is."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.is_active():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)

    def pause(self):
        self._domain.suspend()

    def resume(self):
        self._domain.resume()

    def inject_nmi(self):
        self._domain.injectNMI(0)

    def managed_save(self):
        self._domain.managedSave(0)

    def remove_managed_save(self):
        if self.has_managed_save():
            self._domain.managedSaveRemove(0)

    def undefine(self):
        flags = (libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                 libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
        try:
            self._domain.undefineFlags(flags)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                raise
