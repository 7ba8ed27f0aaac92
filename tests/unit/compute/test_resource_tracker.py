"""The resource tracker's reports: written outside the claim lock, one
writer per node, and changes made during a write written right after it
(a burst of claims makes few conductor calls)."""

import threading

from nimbus.compute import resource_tracker
from nimbus.virt import fake


class _Node:
    """A compute node whose save() blocks until the test lets it go."""

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


def _tracker():
    tracker = resource_tracker.ResourceTracker('h', fake.FakeDriver())
    node = _Node()
    tracker.compute_nodes['n'] = node
    return tracker, node


def test_claims_during_a_write_are_written_after_it_once():
    tracker, node = _tracker()
    node.release.clear()
    first = threading.Thread(target=tracker._claim, args=(
        None, 'a', {'memory_mb': 100}, 'n', None))
    first.start()
    assert node.entered.wait(10)
    # The writer is in its conductor call: claims still go through (the
    # claim lock is free) and return without writing themselves.
    tracker._claim(None, 'b', {'memory_mb': 10}, 'n', None)
    tracker._claim(None, 'c', {'memory_mb': 1}, 'n', None)
    assert tracker.usage('n')['memory_mb'] == 111
    assert node.saved == []
    node.release.set()
    first.join(10)
    # The first write, then one more with everything since.
    assert node.saved == [100, 111]


def test_a_lone_change_is_written_before_the_call_returns():
    tracker, node = _tracker()
    tracker._claim(None, 'a', {'memory_mb': 100}, 'n', None)
    assert node.saved == [100]
    tracker.drop('a', context=object())
    assert node.saved == [100, 0]
