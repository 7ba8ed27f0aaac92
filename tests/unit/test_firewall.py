"""The firewall driver interface and its loader."""

import pytest

from nimbus.virt import firewall


def test_noop_driver_remembers_filters():
    driver = firewall.load_firewall_driver(
        'nimbus.virt.firewall.NoopFirewallDriver')
    rule = {'protocol': 'tcp', 'from_port': 22, 'to_port': 22,
            'cidr': '0.0.0.0/0'}
    driver.apply_instance_filter('u1', [], [rule])
    assert driver.instance_filtered('u1')
    assert driver.filters['u1'] == [rule]
    driver.remove_instance_filter('u1')
    driver.remove_instance_filter('u1')
    assert not driver.instance_filtered('u1')


def test_loader_refuses_other_classes():
    with pytest.raises(TypeError):
        firewall.load_firewall_driver('collections.OrderedDict')


def test_noop_driver_forgets_filters_of_instances_gone():
    driver = firewall.NoopFirewallDriver()
    driver.apply_instance_filter('kept', [], [])
    driver.apply_instance_filter('gone', [], [])
    assert driver.remove_filters_except(['kept', 'other']) == 1
    assert set(driver.filters) == {'kept'}
