import datetime

from oslo_utils import timeutils

from nimbus import objects
from nimbus import servicegroup


def _service(**fields):
    return objects.Service(None, host='h', binary='b', forced_down=False,
                           **fields)


def test_up_when_heartbeat_younger_than_down_time(conf):
    now = timeutils.utcnow()
    svc = _service(last_seen_up=now - datetime.timedelta(seconds=4))
    assert servicegroup.service_is_up(svc, now=now)


def test_down_when_heartbeat_too_old(conf):
    now = timeutils.utcnow()
    svc = _service(last_seen_up=now - datetime.timedelta(seconds=6))
    assert not servicegroup.service_is_up(svc, now=now)


def test_down_when_forced_or_never_seen(conf):
    now = timeutils.utcnow()
    assert not servicegroup.service_is_up(
        objects.Service(None, host='h', binary='b', forced_down=True,
                        last_seen_up=now), now=now)
    assert not servicegroup.service_is_up(_service(), now=now)


def test_falls_back_to_updated_at(conf):
    now = timeutils.utcnow()
    svc = _service(updated_at=now - datetime.timedelta(seconds=1))
    assert servicegroup.service_is_up(svc, now=now)
    assert servicegroup.service_is_up(
        {'forced_down': False, 'last_seen_up': now}, now=now)
