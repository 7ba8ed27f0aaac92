"""init_host: instances left mid-task by a compute service that stopped
are brought to a state the user can act on, as Nova's _init_instance
does -- nothing stays stuck in a task state after a restart."""

from oslo_log import log as logging

from nimbus.compute import lifecycle
from nimbus.compute import power_state
from nimbus.compute import periodic
from nimbus.compute import task_states
from nimbus.compute import utils
from nimbus.compute import vm_states
from nimbus.conf import CONF
from nimbus import exception
from nimbus import objects

LOG = logging.getLogger(__name__)


class InterruptedByRestart(exception.NimbusException):
    msg_fmt = ('The compute service on %(host)s restarted while the '
               'instance was %(state)s.')
    code = 500


def init_instances(manager, context):
    for instance in objects.InstanceList.get_by_host(
            context, manager.host, expected_attrs=['info_cache']):
        try:
            init_instance(manager, context, instance)
        except Exception:
            LOG.exception('Could not recover instance %s', instance.uuid)


def _settle(manager, instance, vm_state):
    instance.power_state = utils.get_power_state(manager.driver, instance)
    instance.vm_state = vm_state
    expected = [instance.task_state]
    instance.task_state = None
    instance.save(expected_task_state=expected)


def init_instance(manager, context, instance):
    task = instance.task_state
    driver = manager.driver
    if task == task_states.DELETING or (
            instance.vm_state == vm_states.DELETED):
        LOG.info('Finishing the delete of %s', instance.uuid)
        lifecycle.do_terminate(manager, context, instance)
        return
    if instance.vm_state == vm_states.BUILDING or \
            task in task_states.BUILD_STATES:
        LOG.warning('Instance %s was building when %s stopped: ERROR',
                    instance.uuid, manager.host)
        try:
            driver.destroy(context, instance, [])
        except Exception:
            pass
        utils.set_error(context, instance, InterruptedByRestart(
            host=manager.host, state='building'), manager.host,
            power_state=power_state.NOSTATE)
        return
    if task == task_states.SOFT_DELETING:
        driver.power_off(instance)
        _settle(manager, instance, vm_states.SOFT_DELETED)
        return
    if task in task_states.SOFT_REBOOT_STATES + \
            task_states.HARD_REBOOT_STATES:
        # A running guest after an interrupted hard reboot is the new one
        # (the old one is destroyed first). After an interrupted soft
        # reboot it may still be shutting down on the ACPI request, and
        # would then stay off: a soft reboot is always redone hard.
        actual = utils.get_power_state(driver, instance)
        if task == task_states.REBOOT_STARTED_HARD and \
                actual == power_state.RUNNING:
            _settle(manager, instance, vm_states.ACTIVE)
        else:
            LOG.info('Retrying the reboot of %s', instance.uuid)
            lifecycle.finish_reboot(manager, context, instance, 'HARD')
        return
    if task == task_states.POWERING_OFF:
        driver.power_off(instance)
        _settle(manager, instance, vm_states.STOPPED)
        return
    if task in (task_states.POWERING_ON, task_states.RESTORING):
        driver.power_on(context, instance, [])
        _settle(manager, instance, vm_states.ACTIVE)
        return
    if task in (task_states.PAUSING, task_states.UNPAUSING,
                task_states.SUSPENDING, task_states.RESUMING,
                task_states.RESIZE_CONFIRMING) or \
            task in task_states.IMAGE_STATES:
        # Leave the guest as it is and say so in the states.
        _settle(manager, instance, utils.vm_state_for_power(
            utils.get_power_state(driver, instance)))
        return
    if task is not None:
        # Rebuilds and resizes half done: the user decides (delete,
        # rebuild, reset-state).
        utils.set_error(context, instance, InterruptedByRestart(
            host=manager.host, state=task), manager.host,
            power_state=utils.get_power_state(driver, instance))
        return
    if instance.vm_state == vm_states.ACTIVE and \
            CONF.resume_guests_state_on_host_boot and \
            utils.get_power_state(driver, instance) != power_state.RUNNING:
        LOG.info('Starting the guest of %s again after the host boot',
                 instance.uuid)
        try:
            if driver.instance_exists(instance):
                driver.power_on(context, instance, [])
            else:
                driver.spawn(context, instance, {}, [], None,
                             network_info=lifecycle._network_info(instance))
        except Exception:
            LOG.exception('Could not start the guest of %s', instance.uuid)
    periodic.sync_instance_power_state(manager, context, instance)
