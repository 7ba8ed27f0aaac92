"""Policy enforcement (oslo.policy) with every default rule in code.

Operators override rules in policy.yaml; ``authorize`` raises
PolicyNotAuthorized (403) when the rule says no.
"""

from oslo_policy import policy

from nimbus.conf import CONF
from nimbus import exception
from nimbus import policies

_ENFORCER = None


def get_enforcer():
    global _ENFORCER
    if _ENFORCER is None:
        _ENFORCER = policy.Enforcer(CONF)
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
