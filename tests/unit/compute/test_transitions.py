"""The instance state table and the status mapping."""

import types

import pytest

from nimbus.compute import states
from nimbus.compute import transitions
from nimbus import exception


def _inst(vm_state, task_state=None, host='h'):
    saved = []
    inst = types.SimpleNamespace(uuid='u', vm_state=vm_state,
                                 task_state=task_state, host=host)
    inst.save = lambda **kwargs: saved.append(kwargs)
    return inst, saved


@pytest.mark.parametrize('vm_state,allowed', [
    ('active', {'reboot_soft', 'reboot_hard', 'stop', 'pause', 'suspend',
                'rebuild', 'resize', 'snapshot', 'get_console_output',
                'rescue', 'trigger_crash_dump',
                'update_metadata', 'delete', 'soft_delete',
                'force_delete'}),
    ('stopped', {'reboot_hard', 'start', 'rebuild', 'resize', 'snapshot',
                 'rescue',
                 'get_console_output', 'update_metadata', 'delete',
                 'soft_delete', 'force_delete'}),
    ('error', {'reboot_hard', 'stop', 'rebuild', 'get_console_output',
               'rescue', 'trigger_crash_dump',
               'update_metadata', 'delete', 'soft_delete',
               'force_delete'}),
    ('soft-delete', {'restore', 'delete', 'force_delete'}),
    ('rescued', {'unrescue', 'reboot_hard', 'stop', 'get_console_output',
                 'trigger_crash_dump', 'delete', 'soft_delete',
                 'force_delete'}),
])
def test_table_allows_exactly(vm_state, allowed):
    inst, _ = _inst(vm_state)
    assert set(transitions.allowed_actions(inst)) == allowed


def test_refusal_names_the_state_and_saves_nothing():
    inst, saved = _inst('paused')
    with pytest.raises(exception.InstanceInvalidState) as error:
        transitions.begin(inst, 'stop')
    assert error.value.code == 409
    assert 'vm_state paused' in error.value.format_message()
    assert saved == [] and inst.task_state is None


def test_begin_sets_the_task_state_with_a_compare_and_swap():
    inst, saved = _inst('active')
    transitions.begin(inst, 'reboot_soft')
    assert inst.task_state == 'rebooting'
    # The vm_state checked is part of the swap too.
    assert saved == [{'expected_task_state': [None],
                      'expected_vm_state': ['active']}]


def test_hard_reboot_may_take_over_a_stuck_soft_reboot():
    inst, saved = _inst('active', 'rebooting')
    transitions.begin(inst, 'reboot_hard')
    assert inst.task_state == 'rebooting_hard'
    assert None in saved[0]['expected_task_state']


def test_delete_takes_over_any_task():
    inst, saved = _inst('active', 'pausing')
    transitions.begin(inst, 'delete')
    assert inst.task_state == 'deleting'
    assert saved == [{'expected_task_state': 'pausing',
                      'expected_vm_state': None}]


def test_actions_needing_a_host_refuse_without_one():
    inst, _ = _inst('active', host=None)
    with pytest.raises(exception.InstanceNotReady):
        transitions.check(inst, 'stop')


@pytest.mark.parametrize('vm_state,task_state,status', [
    ('active', None, 'ACTIVE'), ('active', 'rebooting', 'REBOOT'),
    ('active', 'rebooting_hard', 'HARD_REBOOT'), ('building', None, 'BUILD'),
    ('stopped', None, 'SHUTOFF'), ('resized', None, 'VERIFY_RESIZE'),
    ('resized', 'resize_reverting', 'REVERT_RESIZE'),
    ('active', 'resize_prep', 'RESIZE'), ('error', None, 'ERROR'),
    ('error', 'rebuilding', 'REBUILD'), ('soft-delete', None,
                                         'SOFT_DELETED'),
    ('bogus', None, 'UNKNOWN')])
def test_status_mapping(vm_state, task_state, status):
    assert states.status_from_state(vm_state, task_state) == status


def test_status_filter_translation():
    assert states.states_from_status('shutoff') == (['stopped'], None)
    assert states.states_from_status('REBOOT') == (
        ['active'], ['reboot_pending', 'reboot_started', 'rebooting'])
    assert states.states_from_status('nope') == ([], None)
