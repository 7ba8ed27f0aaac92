"""Policy enforcement (oslo.policy) with every default rule in code.

Operators override rules in policy.yaml; ``authorize`` raises
PolicyNotAuthorized (403) when the rule says no.
"""

import time

from oslo_policy import _checks
from oslo_policy import policy

from nimbus.conf import CONF
from nimbus import exception
from nimbus import policies

_ENFORCER = None

# How often (seconds) enforcement looks whether policy files changed.
RELOAD_CHECK_INTERVAL = 1.0


# Most decisions an enforcer remembers (see _Enforcer.decisions).
MAX_DECISIONS = 10000

# The checks whose answer depends on nothing but the target and the
# credentials (http: and custom checks may ask elsewhere).
_PURE_CHECKS = (_checks.TrueCheck, _checks.FalseCheck, _checks.NotCheck,
                _checks.AndCheck, _checks.OrCheck, _checks.RuleCheck,
                _checks.RoleCheck, _checks.GenericCheck)


class _Enforcer(policy.Enforcer):
    """oslo.policy's Enforcer, looking for changed policy files at most
    once a second instead of on every check, and remembering its
    decisions in between.

    Every check otherwise searches the config directories for the policy
    file and walks the registered defaults (about 1 ms each; a GET of a
    server makes three checks). An operator's edit still takes effect
    within a second.

    ``decisions`` maps (rule, target, credentials) to the answer of a
    rule made of pure checks only (roles, rule references, target and
    credential comparisons): evaluating one costs oslo.policy an
    ``inspect`` of every check in it. The rules change only when they are
    loaded, set or cleared, and each of those starts a new ``decisions``.
    """

    _next_check = 0.0
    decisions = None

    def load_rules(self, force_reload=False):
        now = time.monotonic()
        if force_reload or not self.rules or now >= self._next_check:
            super().load_rules(force_reload)
            self._next_check = now + RELOAD_CHECK_INTERVAL
            self.decisions = {}

    def set_rules(self, *args, **kwargs):
        super().set_rules(*args, **kwargs)
        self.decisions = {}

    def clear(self):
        super().clear()
        self._next_check = 0.0
        self.decisions = {}

    def _rule(self, name):
        try:
            return self.rules[name]   # the default rule where missing
        except KeyError:
            return None

    def is_pure(self, rule):
        """Whether the answer of ``rule`` depends on target and
        credentials only (every check in it, through rule: references)."""
        seen = {rule}
        pending = [self._rule(rule)]
        while pending:
            check = pending.pop()
            if check is None:
                continue   # a missing rule: RuleCheck answers False
            if type(check) not in _PURE_CHECKS:
                return False
            if isinstance(check, _checks.RuleCheck):
                if check.match not in seen:
                    seen.add(check.match)
                    pending.append(self._rule(check.match))
            elif isinstance(check, _checks.NotCheck):
                pending.append(check.rule)
            else:
                pending.extend(getattr(check, 'rules', ()))
        return True


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
    enforcer = get_enforcer()
    enforcer.load_rules()
    decisions = enforcer.decisions
    if decisions is None:
        decisions = enforcer.decisions = {}
    key = _decision_key(action, target, credentials)
    allowed = decisions.get(key) if key is not None else None
    if allowed is None:
        try:
            allowed = enforcer.authorize(action, target, credentials)
        except policy.PolicyNotRegistered:
            raise exception.PolicyNotAuthorized(action=action)
        # Into the decisions the rules were loaded with: a reload in the
        # meantime made new ones.
        if key is not None and enforcer.is_pure(action):
            if len(decisions) >= MAX_DECISIONS:
                decisions.clear()
            decisions[key] = bool(allowed)
    if not allowed:
        raise exception.PolicyNotAuthorized(action=action)
    return True


def _frozen(value):
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def _decision_key(action, target, credentials):
    """(action, target, credentials) as a dict key; None when a value
    cannot be one."""
    try:
        key = (action, _frozen(dict(target)), _frozen(dict(credentials)))
        hash(key)
    except TypeError:
        return None
    return key


def check_is_admin(context):
    return get_enforcer().authorize('context_is_admin', {},
                                    context.to_policy_values())
