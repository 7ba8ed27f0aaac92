"""The resource tracker's reports: written outside the claim lock, a
moment after a change with every change made until then (a busy host
makes few conductor calls), one write at a time."""

import threading
import time

import pytest

from nimbus.compute import resource_tracker
from nimbus.virt import fake


class _Node:
    """A compute node whose save() blocks while the test holds it."""

    def __init__(self):
        self.saved = []         # memory_mb_used of each save
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def obj_attr_is_set(self, name):
        return hasattr(self, name)

    def save(self):
        self.entered.set()
        assert self.release.wait(10)
        self.saved.append(self.memory_mb_used)


@pytest.fixture
def tracker(monkeypatch):
    monkeypatch.setattr(resource_tracker.ResourceTracker, 'REPORT_DELAY',
                        0.2)
    tracker = resource_tracker.ResourceTracker('h', fake.FakeDriver())
    tracker.node = _Node()
    tracker.compute_nodes['n'] = tracker.node
    return tracker


def _wait_saved(node, count):
    deadline = time.monotonic() + 10
    while len(node.saved) < count:
        assert time.monotonic() < deadline, node.saved
        time.sleep(0.01)


def _claim(tracker, key, memory_mb):
    tracker._claim(object(), key, {'memory_mb': memory_mb}, 'n', None)


def test_changes_within_the_delay_make_one_write(tracker):
    node = tracker.node
    _claim(tracker, 'a', 100)
    _claim(tracker, 'b', 10)
    tracker.drop('b', context=object())
    _claim(tracker, 'c', 1)
    # Nothing yet: the claims returned without a conductor call.
    assert node.saved == []
    _wait_saved(node, 1)
    time.sleep(0.4)             # no second write follows
    assert node.saved == [101]


def test_a_change_during_the_write_gets_one_more_write(tracker):
    node = tracker.node
    node.release.clear()
    _claim(tracker, 'a', 100)
    assert node.entered.wait(10)
    # The write is in its conductor call: claims still go through (the
    # claim lock is free) and leave their write to the next round.
    _claim(tracker, 'b', 10)
    _claim(tracker, 'c', 1)
    assert tracker.usage('n')['memory_mb'] == 111
    node.release.set()
    _wait_saved(node, 2)
    time.sleep(0.4)
    assert node.saved == [100, 111]


def test_the_recount_writes_at_once(tracker, monkeypatch):
    import types
    monkeypatch.setattr(resource_tracker, 'objects', types.SimpleNamespace(
        InstanceList=types.SimpleNamespace(
            get_by_host=lambda context, host: [])))
    tracker.update_available_resource(object(), 'n')
    assert tracker.node.saved == [0]
