"""Quotas: limits per project, usage counted from live rows, and a check
that holds under concurrent requests.

    from nimbus import quota
    quota.QUOTAS.check_deltas_and_run(context, project_id, user_id,
                                      {'instances': 1, 'cores': 2,
                                       'ram': 2048}, create_rows)

A limit comes from the project's own row (quotas table), else the
'default' quota class (quota_classes table), else ``[quota]`` in the
configuration; -1 means unlimited.
"""

from nimbus.conf import CONF
from nimbus.db.api import quota as quota_db
from nimbus.db.api import server_group as server_group_db
from nimbus.db import session
from nimbus import exception

# Resource name -> the [quota] option holding its default (Nova's names).
RESOURCES = {
    'instances': 'instances',
    'cores': 'cores',
    'ram': 'ram',
    'floating_ips': 'floating_ips',
    'fixed_ips': 'fixed_ips',
    'metadata_items': 'metadata_items',
    'injected_files': 'injected_files',
    'injected_file_content_bytes': 'injected_file_content_bytes',
    'injected_file_path_bytes': 'injected_file_path_length',
    'security_groups': 'security_groups',
    'security_group_rules': 'security_group_rules',
    'key_pairs': 'key_pairs',
    'server_groups': 'server_groups',
    'server_group_members': 'server_group_members',
    'volumes': 'volumes',
    'gigabytes': 'gigabytes',
    'snapshots': 'snapshots',
}

# The option's name is accepted wherever a resource name is; results carry
# both keys, so callers may use either.
ALIASES = {'injected_file_path_length': 'injected_file_path_bytes'}

# Resources checked per request (limit_check), never counted.
NOT_COUNTED = ('metadata_items', 'injected_files',
               'injected_file_content_bytes', 'injected_file_path_bytes',
               'security_group_rules', 'server_group_members')

DEFAULT_CLASS = 'default'


def _canonical(resource):
    name = ALIASES.get(resource, resource)
    if name not in RESOURCES:
        raise exception.QuotaResourceUnknown(unknown=[resource])
    return name


def _with_aliases(values):
    for alias, name in ALIASES.items():
        if name in values:
            values[alias] = values[name]
    return values


class _LockRowsMissing(Exception):
    """A lock row of the check is missing: make it, then check again."""


class QuotaEngine:
    """The quota API every layer uses (one instance: ``QUOTAS``)."""

    resources = tuple(RESOURCES)

    # Limits ---------------------------------------------------------------

    def get_defaults(self, context):
        """{resource: limit} of the 'default' class over ``[quota]``."""
        limits = {name: getattr(CONF.quota, option)
                  for name, option in RESOURCES.items()}
        for resource, limit in quota_db.quota_class_get_all_by_name(
                context, DEFAULT_CLASS).items():
            if resource in limits and limit is not None:
                limits[resource] = limit
        return _with_aliases(limits)

    def get_class_quotas(self, context, class_name=DEFAULT_CLASS):
        if class_name == DEFAULT_CLASS:
            return self.get_defaults(context)
        limits = self.get_defaults(context)
        limits.update(quota_db.quota_class_get_all_by_name(context,
                                                           class_name))
        return _with_aliases(limits)

    def update_class_quota(self, context, class_name, resource, limit):
        quota_db.quota_class_create_or_update(
            context, class_name, _canonical(resource), int(limit))

    def get_limits(self, context, project_id):
        """{resource: limit} in force for a project."""
        # The defaults and the project's own limits in one statement: this
        # runs in every boot's quota transaction.
        defaults, own = quota_db.quota_get_class_and_project(
            context, DEFAULT_CLASS, project_id)
        limits = {name: getattr(CONF.quota, option)
                  for name, option in RESOURCES.items()}
        for values in (defaults, own):
            for resource, limit in values.items():
                if resource in limits and limit is not None:
                    limits[resource] = limit
        return _with_aliases(limits)

    def get_project_quotas(self, context, project_id, usages=True,
                           user_id=None):
        """{resource: {'limit', 'in_use', 'reserved'}} for a project.

        ``in_use`` of key_pairs counts ``user_id``'s key pairs (key pairs
        belong to users); without a user it is 0, as in Nova.
        """
        limits = self.get_limits(context, project_id)
        result = {}
        counts = self._count_all(context, project_id, user_id) if usages \
            else {}
        for resource in RESOURCES:
            entry = {'limit': limits[resource]}
            if usages:
                entry['in_use'] = counts.get(resource, 0)
                entry['reserved'] = 0
            result[resource] = entry
        return _with_aliases(result)

    def update_project_quota(self, context, project_id, resource, limit):
        quota_db.quota_create_or_update(context, project_id,
                                        _canonical(resource), int(limit))

    def destroy_all_by_project(self, context, project_id):
        """Back to the defaults for every resource of the project."""
        quota_db.quota_destroy_all_by_project(context, project_id)

    # Usage ----------------------------------------------------------------

    def count(self, context, resource, project_id, user_id=None):
        """Current usage of one resource by a project (key pairs: by user)."""
        resource = _canonical(resource)
        if resource in ('instances', 'cores', 'ram'):
            instances, cores, ram = quota_db.count_instances(
                context, project_id, user_id)
            return {'instances': instances, 'cores': cores,
                    'ram': ram}[resource]
        if resource == 'key_pairs':
            user_id = user_id or getattr(context, 'user_id', None)
            return quota_db.count_key_pairs(context, user_id) if user_id \
                else 0
        if resource in ('volumes', 'gigabytes'):
            volumes, gigabytes = quota_db.count_volumes(context, project_id)
            return volumes if resource == 'volumes' else gigabytes
        counter = {
            'floating_ips': quota_db.count_floating_ips,
            'fixed_ips': quota_db.count_fixed_ips,
            'security_groups': quota_db.count_security_groups,
            'snapshots': quota_db.count_snapshots,
        }.get(resource)
        if resource == 'security_group_rules':
            return quota_db.count_security_group_rules(context, project_id)
        if resource == 'server_groups':
            return server_group_db.count_groups(context, project_id)
        return counter(context, project_id) if counter else 0

    def _count_all(self, context, project_id, user_id):
        instances, cores, ram = quota_db.count_instances(context, project_id)
        volumes, gigabytes = quota_db.count_volumes(context, project_id)
        return {
            'instances': instances, 'cores': cores, 'ram': ram,
            'volumes': volumes, 'gigabytes': gigabytes,
            'key_pairs': (quota_db.count_key_pairs(context, user_id)
                          if user_id else 0),
            'floating_ips': quota_db.count_floating_ips(context, project_id),
            'fixed_ips': quota_db.count_fixed_ips(context, project_id),
            'security_groups': quota_db.count_security_groups(context,
                                                              project_id),
            'snapshots': quota_db.count_snapshots(context, project_id),
            'server_groups': self.count(context, 'server_groups',
                                        project_id),
        }

    # Checks ---------------------------------------------------------------

    def limit_check(self, context, project_id, **values):
        """Raise OverQuota when a per-request value exceeds its limit
        (metadata_items=12, injected_files=2, ...)."""
        values = {_canonical(name): value for name, value in values.items()}
        if all(value <= 0 for value in values.values()):
            return  # no limit (>= 0, or -1: unlimited) is ever below it
        limits = self.get_limits(context, project_id)
        overs = [name for name, value in values.items()
                 if 0 <= limits[name] < value]
        if overs:
            raise exception.OverQuota(
                'Quota exceeded for resources: %s' % sorted(overs),
                overs=overs, quotas={n: limits[n] for n in values},
                usages={n: 0 for n in values})

    def check_deltas_and_run(self, context, project_id, user_id, deltas,
                             fn):
        """Check that usage + delta stays within the limits and, if so, run
        ``fn(context)`` in the same writer transaction; return its result.

        Concurrent callers for the same project are serialized, so two
        requests can never both take the last unit of a resource.  ``fn``
        adds its rows through ``context.session`` and must do nothing but
        database work (it runs again if the database reports a deadlock).
        Call this outside any open transaction of ``context``.
        Raises OverQuota (403) naming the resources over their limit.
        """
        deltas = {_canonical(name): int(delta)
                  for name, delta in deltas.items()}
        try:
            return self._check_and_run(context, project_id, user_id, deltas,
                                       fn, ensured=False)
        except _LockRowsMissing:
            pass
        # The lock rows are made, and committed, before the locking
        # transaction, whose first statement must be the lock: once per
        # project and resource, so the usual boot finds them at once.
        quota_db.quota_usage_ensure(context, project_id, list(deltas))
        return self._check_and_run(context, project_id, user_id, deltas, fn,
                                   ensured=True)

    @session.retry_on_deadlock
    @session.writer
    def _check_and_run(self, context, project_id, user_id, deltas, fn,
                       ensured):
        locked = quota_db.quota_usage_lock(context, project_id, list(deltas))
        if not ensured and not locked.issuperset(deltas):
            raise _LockRowsMissing()  # rolls back: nothing was done
        self._check(context, project_id, user_id, deltas)
        return fn(context)

    def _counts(self, context, project_id, user_id, resources):
        """{resource: usage} of ``resources``; instances, cores and ram
        from one statement."""
        usages = {}
        resources = set(resources)
        if resources & {'instances', 'cores', 'ram'}:
            instances, cores, ram = quota_db.count_instances(context,
                                                             project_id)
            usages.update(instances=instances, cores=cores, ram=ram)
        for resource in resources - {'instances', 'cores', 'ram'}:
            usages[resource] = self.count(
                context, resource, project_id,
                user_id if resource == 'key_pairs' else None)
        return {resource: usages[resource] for resource in resources}

    def _check(self, context, project_id, user_id, deltas):
        limits = self.get_limits(context, project_id)
        checked = sorted(resource for resource in deltas
                         if limits[resource] >= 0 and deltas[resource] > 0)
        counts = (self._counts(context, project_id, user_id, checked)
                  if checked else {})
        usages, overs = {}, []
        for resource in checked:
            usages[resource] = counts[resource]
            if usages[resource] + deltas[resource] > limits[resource]:
                overs.append(resource)
        if overs:
            raise exception.OverQuota(
                'Quota exceeded for %s: Requested %s, but already used %s '
                'of %s %s' % (
                    ', '.join(overs),
                    ', '.join(str(deltas[r]) for r in overs),
                    ', '.join(str(usages[r]) for r in overs),
                    ', '.join(str(limits[r]) for r in overs),
                    ', '.join(overs)),
                overs=overs, quotas={r: limits[r] for r in deltas},
                usages=usages)


QUOTAS = QuotaEngine()
