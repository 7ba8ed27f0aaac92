"""Keeps the compute_nodes row of each hypervisor node current: what the
driver offers, and what the instances of this host (and the claims of
builds and resizes in progress) use.

Writes go through ComputeNode objects, which on a compute node run on the
conductor: this module never touches the database itself.
"""

import threading

from oslo_log import log as logging

from nimbus.compute import claims
from nimbus.compute import vm_states
from nimbus.conf import CONF
from nimbus import exception
from nimbus import objects

LOG = logging.getLogger(__name__)

_COLUMNS = ('vcpus', 'memory_mb', 'local_gb', 'hypervisor_type',
            'hypervisor_version', 'hypervisor_hostname', 'cpu_info',
            'disk_available_least')
_USAGE = ('memory_mb', 'vcpus', 'local_gb')


class ResourceTracker:
    def __init__(self, host, driver):
        self.host = host
        self.driver = driver
        self.compute_nodes = {}
        self._lock = threading.RLock()
        # nodename -> {key: resources}; keys are instance uuids (instances
        # of this host and builds in progress) or 'migration-<id>'.
        self.tracked = {}
        # Uuids of builds in progress: their claims survive a recount even
        # though no row names this host yet.
        self._building = set()
        # Reports (see _report_soon): rows are written outside self._lock,
        # one write at a time (_write_lock), so a later write always
        # carries the later usage.
        self._report_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._pending = set()       # nodenames with a write to come
        self._timers = {}           # nodename -> its threading.Timer
        self._stopped = False
        self._dirty = set()         # nodenames changed since their write

    # Usage --------------------------------------------------------------

    def _used(self, nodename):
        used = {key: 0 for key in _USAGE}
        for resources in self.tracked.get(nodename, {}).values():
            for key in _USAGE:
                used[key] += resources.get(key, 0)
        return used

    def _running_vms(self, nodename):
        return sum(1 for key in self.tracked.get(nodename, {})
                   if not str(key).startswith('migration-'))

    def instance_claim(self, context, instance, nodename, limits=None):
        """Set the instance's resources aside on ``nodename``; raises
        ComputeResourcesUnavailable when the scheduler's limits would be
        exceeded.  Returns a Claim (a context manager)."""
        return self._claim(context, instance.uuid,
                           claims.instance_resources(instance), nodename,
                           limits)

    def resize_claim(self, context, migration, flavor, nodename,
                     limits=None):
        """Set the new flavor's resources aside for a resize."""
        return self._claim(context, 'migration-%s' % migration.id,
                           claims.flavor_resources(flavor), nodename,
                           limits)

    def _claim(self, context, key, resources, nodename, limits):
        with self._lock:
            tracked = self.tracked.setdefault(nodename, {})
            used = self._used(nodename)
            used_without = dict(used)
            if key in tracked:
                for name in _USAGE:
                    used_without[name] -= tracked[key].get(name, 0)
            claims.check_limits(resources, used_without, limits)
            tracked[key] = resources
        self._report_soon(context, nodename)
        return claims.Claim(self, key, resources, nodename)

    def drop(self, key, nodename=None, context=None):
        """Forget an instance (or migration) claim."""
        with self._lock:
            for name, tracked in self.tracked.items():
                if nodename is not None and name != nodename:
                    continue
                tracked.pop(key, None)
            names = [name for name in self.compute_nodes
                     if nodename is None or name == nodename]
        if context is not None:
            for name in names:
                self._report_soon(context, name)

    def usage(self, nodename):
        with self._lock:
            return self._used(nodename)

    # Periodic report ------------------------------------------------------

    def update_available_resource(self, context, nodename):
        """Recount the usage from the instances of this host and write the
        node's row."""
        with self._lock:
            instances = objects.InstanceList.get_by_host(context, self.host)
            tracked = self.tracked.setdefault(nodename, {})
            live = {}
            for inst in instances:
                if inst.node not in (None, nodename):
                    continue
                if inst.vm_state == vm_states.DELETED:
                    continue
                live[inst.uuid] = claims.instance_resources(inst)
            # Builds in progress (no host yet in the row) and resizes keep
            # their claims.
            for key, resources in list(tracked.items()):
                if key not in live and self._claim_in_progress(key):
                    live[key] = resources
            self.tracked[nodename] = live
        return self._report(context, nodename)

    def _claim_in_progress(self, key):
        return key in self._building or str(key).startswith('migration-')

    def building(self, uuid):
        """Mark a build in progress (its claim survives a recount)."""
        with self._lock:
            self._building.add(uuid)

    def built(self, uuid):
        with self._lock:
            self._building.discard(uuid)

    #: Seconds a claim or a drop waits for others before the node's row
    #: is written with all of them: a busy host writes its row about
    #: twice a second instead of after every build and delete (each
    #: write is a conductor call).  The scheduler does not wait for the
    #: row: it counts its own placements until a newer row comes.
    REPORT_DELAY = 0.5

    def _report_soon(self, context, nodename):
        """Write the node's row REPORT_DELAY seconds from now, in another
        thread, with every change made until then; a change made while a
        write is due is left to that write (or to one more right after
        it, when it came during the write)."""
        with self._report_lock:
            self._dirty.add(nodename)
            if nodename in self._pending:
                return
            self._pending.add(nodename)
        self._later(context, nodename)

    def _later(self, context, nodename):
        timer = threading.Timer(self.REPORT_DELAY, self._delayed_write,
                                (context, nodename))
        timer.daemon = True
        with self._report_lock:
            if self._stopped:
                return
            self._timers[nodename] = timer
        timer.start()

    def stop_reports(self):
        """The host stops: drop the writes to come (the next start
        recounts the usage and writes every row)."""
        with self._report_lock:
            self._stopped = True
            timers = list(self._timers.values())
            self._timers.clear()
        for timer in timers:
            timer.cancel()

    def _delayed_write(self, context, nodename):
        try:
            self._report(context, nodename)
        except Exception:
            LOG.exception('Could not report the resources of node %s',
                          nodename)
        finally:
            with self._report_lock:
                again = nodename in self._dirty
                if not again:
                    self._pending.discard(nodename)
            if again:
                self._later(context, nodename)

    def _report(self, context, nodename):
        """Write the node's row with the current usage now; returns the
        node."""
        with self._write_lock:
            with self._report_lock:
                self._dirty.discard(nodename)
            return self._write(context, nodename)

    def _write(self, context, nodename):
        resources = self.driver.get_available_resource(nodename)
        node = self.compute_nodes.get(nodename)
        if node is None:
            node = self._get_or_create_node(context, nodename, resources)
        with self._lock:
            used = self._used(nodename)
            running = self._running_vms(nodename)
        for name in _COLUMNS:
            if getattr(node, name, None) != resources[name]:
                setattr(node, name, resources[name])
        # What ImagePropertiesFilter matches images against (drivers that
        # do not say keep whatever the row holds).
        supported = resources.get('supported_instances')
        if supported is not None and not (
                node.obj_attr_is_set('supported_instances') and
                node.supported_instances == supported):
            node.supported_instances = supported
        values = {
            'memory_mb_used': used['memory_mb'],
            'vcpus_used': used['vcpus'],
            'local_gb_used': used['local_gb'],
            'free_ram_mb': resources['memory_mb'] - used['memory_mb'],
            'free_disk_gb': resources['local_gb'] - used['local_gb'],
            'running_vms': running,
        }
        for name, value in values.items():
            if getattr(node, name, None) != value:
                setattr(node, name, value)
        try:
            node.save()
        except Exception:
            LOG.exception('Could not report the resources of node %s',
                          nodename)
        self.compute_nodes[nodename] = node
        return node

    def _get_or_create_node(self, context, nodename, resources):
        try:
            return objects.ComputeNode.get_by_host_and_nodename(
                context, self.host, nodename)
        except exception.NotFound:
            pass
        node = objects.ComputeNode(context)
        node.host = self.host
        node.host_ip = CONF.my_ip
        for name in _COLUMNS:
            setattr(node, name, resources[name])
        if resources.get('supported_instances') is not None:
            node.supported_instances = resources['supported_instances']
        node.memory_mb_used = 0
        node.vcpus_used = 0
        node.local_gb_used = 0
        node.free_ram_mb = resources['memory_mb']
        node.free_disk_gb = resources['local_gb']
        node.running_vms = 0
        node.create()
        LOG.info('Registered compute node %s on %s', nodename, self.host)
        return node
