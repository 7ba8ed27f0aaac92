"""Namespaces and agents for the network integration tests. They need
root; a missing tool is a failure, not a skip (tools/setup.sh installs
them)."""

import os

import pytest

from tests.integration.network import netns


@pytest.fixture(scope='session', autouse=True)
def no_namespace_left():
    """Fails the session when a namespace it made is still there at the
    end (each test deletes its own; this catches what slipped through),
    after deleting it."""
    yield
    left = [name for name in netns.CREATED
            if name in netns.run(['ip', 'netns', 'list'],
                                 check=False).stdout.split()]
    for name in left:
        netns.run(['ip', 'netns', 'del', name], check=False)
    assert not left, 'namespaces left behind (now deleted): %s' % left


@pytest.fixture
def namespaces():
    """make(role) → a new Namespace; all are removed at the end."""
    made = []

    def make(role):
        assert os.geteuid() == 0, 'network integration tests run as root'
        made.append(netns.Namespace(role))
        return made[-1]

    yield make
    errors = []
    for namespace in reversed(made):
        try:
            namespace.close()
        except Exception as exc:    # close the others all the same
            errors.append(exc)
    assert not errors, errors


@pytest.fixture
def agents():
    """start(namespace, config_file) → an Agent; all are stopped."""
    started = []

    def start(namespace, config_file):
        started.append(netns.Agent(namespace, config_file))
        return started[-1]

    yield start
    for agent in started:
        agent.stop()


@pytest.fixture
def config_file(tmp_path):
    state = tmp_path / 'state'
    state.mkdir()
    return netns.write_config(tmp_path / 'nimbus.conf',
                              state_path=str(state))
