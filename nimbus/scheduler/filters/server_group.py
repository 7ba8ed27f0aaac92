"""ServerGroupAffinityFilter and ServerGroupAntiAffinityFilter: the
policy of the server group named in the ``group`` scheduler hint.

A group's hosts are where its live members are: from the database (one
query per request), plus the members this scheduler placed in the last
minute (whose host the conductor may not have saved yet, so two requests
for one group a moment apart see each other), plus the instances of this
request placed so far (a multiple create of an anti-affinity group
spreads).  With one nimbus-scheduler that is race-free; Nova's late
check on the compute host, for several schedulers, is not done.

The soft policies (microversion 2.15) are preferences: when no host
satisfies them for an instance, that instance is placed without them
(Nova weighs them instead; a weigher here would take every request off
the scheduler's cached host pools).
"""

import threading
import time

from nimbus.db.api import server_group as server_group_db
from nimbus import exception
from nimbus.scheduler import filters

HINT = 'group'
RESOLVED = 'group'
RELAXED = 'group_relaxed'
HOSTS = 'group_hosts'
_NOTHING = (None, {}, frozenset())
# How long the scheduler remembers where it put a group's members.
REMEMBER_SECONDS = 60.0


class _Placements:
    """group uuid -> {instance uuid: (host, when)} placed by this
    scheduler process recently."""

    def __init__(self):
        self._lock = threading.Lock()
        self._groups = {}

    def record(self, group_uuid, instance_uuid, host):
        with self._lock:
            self._groups.setdefault(group_uuid, {})[instance_uuid] = (
                host, time.monotonic())

    def forget(self, group_uuid, instance_uuids):
        with self._lock:
            placed = self._groups.get(group_uuid) or {}
            for uuid in instance_uuids:
                placed.pop(uuid, None)

    def hosts(self, group_uuid):
        """{instance uuid: host} of the group's recent placements."""
        horizon = time.monotonic() - REMEMBER_SECONDS
        with self._lock:
            placed = self._groups.get(group_uuid)
            if not placed:
                return {}
            for uuid in [u for u, (_, when) in placed.items()
                         if when < horizon]:
                del placed[uuid]
            if not placed:
                del self._groups[group_uuid]
                return {}
            return {uuid: host for uuid, (host, _) in placed.items()}


PLACEMENTS = _Placements()


def group_uuid(spec):
    hint = spec.get_hint_list(HINT)
    return hint[0] if hint else None


def resolve(context, spec):
    """(policy, {member uuid: host or None}, deleted members' uuids) into
    ``spec.resolved``."""
    uuid = group_uuid(spec)
    if not uuid or RESOLVED in spec.resolved:
        return
    try:
        spec.resolved[RESOLVED] = server_group_db.group_of_instances(
            context, uuid)
    except exception.InstanceGroupNotFound:
        # Deleted since the API checked it: nothing to follow.
        spec.resolved[RESOLVED] = (None, {}, set())


def group_hosts(spec):
    """The hosts of the group's members now, this request's included
    (worked out once per instance placed)."""
    hosts = spec.resolved.get(HOSTS)
    if hosts is None:
        _, members, gone = spec.resolved.get(RESOLVED, _NOTHING)
        hosts = {host for host in members.values() if host}
        mine = set(spec.instance_uuids) | gone
        for uuid, host in PLACEMENTS.hosts(group_uuid(spec)).items():
            # Placed moments ago: its host not saved yet, or the member
            # not yet visible when this request read the group.  This
            # request's own instances count where it placed them now
            # (``placed``), not where an earlier attempt did; deleted
            # members not at all.
            if uuid not in mine and members.get(uuid) is None:
                hosts.add(host)
        spec.resolved[HOSTS] = hosts
    return hosts


def placed(spec, instance_uuid, host):
    """Called by the scheduler for each instance it places."""
    if HINT not in spec.scheduler_hints:
        return
    uuid = group_uuid(spec)
    if uuid and instance_uuid:
        PLACEMENTS.record(uuid, instance_uuid, host)
        policy, members, gone = spec.resolved.get(RESOLVED, _NOTHING)
        members = dict(members)
        members[instance_uuid] = host
        spec.resolved[RESOLVED] = (policy, members, gone)
        spec.resolved.pop(HOSTS, None)


def unplaced(spec):
    """The request failed whole: what it placed is given back."""
    uuid = group_uuid(spec)
    if uuid:
        PLACEMENTS.forget(uuid, spec.instance_uuids)


def relaxable(spec):
    """True when the request follows a soft policy not yet relaxed for
    the instance being placed."""
    policy = spec.resolved.get(RESOLVED, _NOTHING)[0]
    return bool(policy and policy.startswith('soft-') and
                not spec.resolved.get(RELAXED))


class _GroupFilter(filters.BaseHostFilter):
    POLICIES = ()

    def prepare(self, context, spec):
        resolve(context, spec)

    def is_active(self, spec):
        resolved = spec.resolved.get(RESOLVED)
        if resolved is None:
            return False
        policy = resolved[0]
        if policy not in self.POLICIES:
            return False
        return not (policy.startswith('soft-') and
                    spec.resolved.get(RELAXED))

    def host_passes(self, host_state, spec):
        if not self.is_active(spec):
            return True
        return self._passes(host_state.host, group_hosts(spec))


class ServerGroupAffinityFilter(_GroupFilter):
    """The group's hosts only, once it has one."""
    POLICIES = ('affinity', 'soft-affinity')

    def _passes(self, host, hosts):
        return not hosts or host in hosts


class ServerGroupAntiAffinityFilter(_GroupFilter):
    """None of the group's hosts."""
    POLICIES = ('anti-affinity', 'soft-anti-affinity')

    def _passes(self, host, hosts):
        return host not in hosts
