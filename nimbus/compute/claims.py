"""Claims: resources set aside on a compute node for an instance being
built (or resized) before the instance's row says it lives here."""

from nimbus import exception


class ComputeResourcesUnavailable(exception.NimbusException):
    msg_fmt = 'Insufficient compute resources: %(reason)s.'
    code = 500


def resources_of(memory_mb, vcpus, root_gb, ephemeral_gb=0):
    return {'memory_mb': memory_mb or 0, 'vcpus': vcpus or 0,
            'local_gb': (root_gb or 0) + (ephemeral_gb or 0)}


def instance_resources(instance):
    return resources_of(instance.memory_mb, instance.vcpus,
                        instance.root_gb, instance.ephemeral_gb)


def flavor_resources(flavor):
    return resources_of(flavor.memory_mb, flavor.vcpus, flavor.root_gb,
                        flavor.ephemeral_gb)


# The scheduler's limits (totals with overcommit) -> our usage keys.
_LIMIT_KEYS = {'memory_mb': 'memory_mb', 'vcpu': 'vcpus',
               'disk_gb': 'local_gb'}


def check_limits(requested, used, limits):
    """Raise ComputeResourcesUnavailable when ``requested`` on top of
    ``used`` exceeds a limit the scheduler set (absent limits: no
    check)."""
    problems = []
    for limit_key, key in _LIMIT_KEYS.items():
        limit = (limits or {}).get(limit_key)
        if limit is None:
            continue
        free = limit - used.get(key, 0)
        if requested.get(key, 0) > free:
            problems.append('%s: requested %s, free %s' % (
                key, requested.get(key, 0), free))
    if problems:
        raise ComputeResourcesUnavailable(reason='; '.join(problems))


class Claim:
    """A context manager: the claim is kept when the block succeeds (the
    tracker drops it when the instance is removed) and released when it
    raises."""

    def __init__(self, tracker, key, resources, nodename):
        self.tracker = tracker
        self.key = key
        self.resources = resources
        self.nodename = nodename

    def abort(self):
        self.tracker.drop(self.key, self.nodename)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if exc_type is not None:
            self.abort()
        return False
