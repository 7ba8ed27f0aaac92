"""Namespaces and agents for the network integration tests. They need
root; a missing tool is a failure, not a skip (tools/setup.sh installs
them)."""

import os

import pytest

from tests.integration.network import netns


@pytest.fixture
def namespaces():
    """make(role) → a new Namespace; all are removed at the end."""
    made = []

    def make(role):
        assert os.geteuid() == 0, 'network integration tests run as root'
        made.append(netns.Namespace(role))
        return made[-1]

    yield make
    for namespace in reversed(made):
        namespace.close()


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
