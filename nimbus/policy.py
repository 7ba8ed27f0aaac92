"""Policy enforcement (oslo.policy) with every default rule in code.

Operators override rules in policy.yaml; ``authorize`` raises
PolicyNotAuthorized (403) when the rule says no.
"""

import time

from oslo_policy import policy

from nimbus.conf import CONF
from nimbus import exception
from nimbus import policies

_ENFORCER = None

# How often (seconds) enforcement looks whether policy files changed.
RELOAD_CHECK_INTERVAL = 1.0


class _Enforcer(policy.Enforcer):
    """oslo.policy's Enforcer, looking for changed policy files at most
    once a second instead of on every check.

    Every check otherwise searches the config directories for the policy
    file and walks the registered defaults (about 1 ms each; a GET of a
    server makes three checks). An operator's edit still takes effect
    within a second.
    """

    _next_check = 0.0

    def load_rules(self, force_reload=False):
        now = time.monotonic()
        if force_reload or not self.rules or now >= self._next_check:
            super().load_rules(force_reload)
            self._next_check = now + RELOAD_CHECK_INTERVAL

    def clear(self):
        super().clear()
        self._next_check = 0.0


def get_enforcer():
    global _ENFORCER
    if _ENFORCER is None:
        _ENFORCER = _Enforcer(CONF)
        _ENFORCER.register_defaults(policies.list_rules())
    return _ENFORCER


def reset():
    global _ENFORCER
    if _ENFORCER is not None:
        _ENFORCER.clear()
    _ENFORCER = None


def authorize(context, action, target=None):
    """Check ``action`` for ``context`` on ``target`` (defaults to the
    caller's own project and user)."""
    if target is None:
        target = {'project_id': context.project_id,
                  'user_id': context.user_id}
    credentials = context.to_policy_values()
    try:
        return get_enforcer().authorize(
            action, target, credentials, do_raise=True,
            exc=exception.PolicyNotAuthorized, action=action)
    except policy.PolicyNotRegistered:
        raise exception.PolicyNotAuthorized(action=action)


def check_is_admin(context):
    return get_enforcer().authorize('context_is_admin', {},
                                    context.to_policy_values())
