"""nimbus.quota without a database: names, aliases and the OverQuota
message callers show to users."""

from unittest import mock

import pytest

from nimbus import exception
from nimbus import quota


def test_every_resource_has_a_quota_option(conf):
    from nimbus.conf import CONF
    for option in quota.RESOURCES.values():
        assert isinstance(getattr(CONF.quota, option), int)


def test_option_name_is_an_alias_of_the_resource():
    assert quota._canonical('injected_file_path_length') == (
        'injected_file_path_bytes')
    with pytest.raises(exception.QuotaResourceUnknown):
        quota._canonical('bogus')


def test_over_quota_names_each_resource():
    engine = quota.QuotaEngine()
    limits = dict.fromkeys(quota.RESOURCES, 10)
    with mock.patch.object(engine, 'get_limits', return_value=limits), \
            mock.patch.object(engine, '_counts',
                              return_value={'cores': 19, 'instances': 9}):
        with pytest.raises(exception.OverQuota) as info:
            engine._check(None, 'p', 'u', {'instances': 2, 'cores': 4})
    error = info.value
    assert error.code == 403
    assert error.overs == ['cores', 'instances']
    assert error.format_message() == (
        'Quota exceeded for cores, instances: Requested 4, 2, but already '
        'used 19, 9 of 10, 10 cores, instances')
    assert error.usages == {'cores': 19, 'instances': 9}


def test_unlimited_and_releases_are_not_counted():
    engine = quota.QuotaEngine()
    limits = dict.fromkeys(quota.RESOURCES, -1)
    limits['cores'] = 0
    with mock.patch.object(engine, 'get_limits', return_value=limits), \
            mock.patch.object(engine, '_counts') as counts:
        engine._check(None, 'p', 'u', {'instances': 5, 'cores': -2})
    counts.assert_not_called()
