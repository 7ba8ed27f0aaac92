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
