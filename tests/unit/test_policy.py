"""nimbus.policy: an operator's policy file is read again within
RELOAD_CHECK_INTERVAL of a change, not on every check."""

import pytest

from nimbus import context as nimbus_context
from nimbus import exception
from nimbus import policy


@pytest.fixture
def policy_file(conf, tmp_path):
    path = tmp_path / 'policy.yaml'
    path.write_text('{}\n')
    policy.get_enforcer()   # registers the [oslo_policy] options
    conf.config(policy_file=str(path), group='oslo_policy')
    policy.reset()
    yield path
    policy.reset()


def _member():
    return nimbus_context.RequestContext(user_id='u', project_id='p',
                                         roles=['member', 'reader'])


def _deny_show(path):
    path.write_text('"os_compute_api:servers:show": "!"\n')


def test_a_changed_policy_file_applies_after_the_interval(policy_file,
                                                          monkeypatch):
    policy.authorize(_member(), 'os_compute_api:servers:show')
    _deny_show(policy_file)
    monkeypatch.setattr(policy, 'RELOAD_CHECK_INTERVAL', 0.0)
    policy.get_enforcer()._next_check = 0.0
    with pytest.raises(exception.PolicyNotAuthorized):
        policy.authorize(_member(), 'os_compute_api:servers:show')


def test_the_policy_file_is_not_looked_at_within_the_interval(policy_file,
                                                              monkeypatch):
    monkeypatch.setattr(policy, 'RELOAD_CHECK_INTERVAL', 3600.0)
    policy.authorize(_member(), 'os_compute_api:servers:show')
    _deny_show(policy_file)
    # Looked at less than RELOAD_CHECK_INTERVAL ago: the old rules hold
    # until then, or until a forced reload.
    policy.authorize(_member(), 'os_compute_api:servers:show')
    policy.get_enforcer().load_rules(force_reload=True)
    with pytest.raises(exception.PolicyNotAuthorized):
        policy.authorize(_member(), 'os_compute_api:servers:show')


def _evaluations(monkeypatch):
    """The checks oslo.policy evaluates from now on (their rule names)."""
    from oslo_policy import _checks
    seen = []
    real = _checks._check

    def counted(rule, target, creds, enforcer, current_rule):
        seen.append(current_rule)
        return real(rule, target, creds, enforcer, current_rule)
    monkeypatch.setattr(_checks, '_check', counted)
    return seen


def test_decisions_are_remembered_per_target_and_credentials(policy_file,
                                                             monkeypatch):
    monkeypatch.setattr(policy, 'RELOAD_CHECK_INTERVAL', 3600.0)
    action = 'os_compute_api:servers:delete'
    policy.authorize(_member(), action)
    seen = _evaluations(monkeypatch)
    policy.authorize(_member(), action)
    assert seen == []
    # Another project's server: evaluated, and refused.
    with pytest.raises(exception.PolicyNotAuthorized):
        policy.authorize(_member(), action, target={'project_id': 'other',
                                                    'user_id': 'x'})
    assert seen
    del seen[:]
    with pytest.raises(exception.PolicyNotAuthorized):
        policy.authorize(_member(), action, target={'project_id': 'other',
                                                    'user_id': 'x'})
    assert seen == []
    # Another caller's roles are another key.
    admin = nimbus_context.RequestContext(user_id='a', project_id='p',
                                          roles=['admin'], is_admin=True)
    policy.authorize(admin, action, target={'project_id': 'other',
                                            'user_id': 'x'})
    assert seen


def test_a_reload_forgets_the_decisions(policy_file, monkeypatch):
    monkeypatch.setattr(policy, 'RELOAD_CHECK_INTERVAL', 3600.0)
    policy.authorize(_member(), 'os_compute_api:servers:show')
    _deny_show(policy_file)
    policy.get_enforcer().load_rules(force_reload=True)
    with pytest.raises(exception.PolicyNotAuthorized):
        policy.authorize(_member(), 'os_compute_api:servers:show')


def test_rules_with_checks_that_ask_elsewhere_are_not_remembered(
        policy_file, monkeypatch):
    monkeypatch.setattr(policy, 'RELOAD_CHECK_INTERVAL', 3600.0)
    policy_file.write_text(
        '"os_compute_api:servers:show": "rule:asks or role:member"\n'
        '"asks": "http://127.0.0.1:9/check"\n')
    enforcer = policy.get_enforcer()
    enforcer.load_rules(force_reload=True)
    assert not enforcer.is_pure('os_compute_api:servers:show')
    assert enforcer.is_pure('os_compute_api:servers:delete')
