"""Snapshot to an image, the console log, and crash dumps."""

from oslo_log import log as logging

from nimbus.compute import task_states
from nimbus.compute import transitions
from nimbus.compute import utils
from nimbus import exception
from nimbus.objects import instance_action

LOG = logging.getLogger(__name__)


def snapshot_instance(manager, context, instance, image_id):
    """driver.snapshot captures the disk; the manager uploads it to the
    image service.  On failure the image is deleted and the instance goes
    back to its stable state with a fault (a failed snapshot does not
    break the guest)."""
    with manager.instance_lock(instance.uuid), \
            instance_action.EventReporter(
                context, 'compute_snapshot_instance', manager.host,
                instance.uuid):
        image_api = manager.image_api()

        def update_task_state(task_state, expected_state):
            instance.task_state = task_state
            instance.save(expected_task_state=[expected_state])

        try:
            result = manager.driver.snapshot(context, instance, image_id,
                                             update_task_state)
            image_api.update(
                context, image_id,
                {'disk_format': result.get('disk_format', 'qcow2'),
                 'container_format': result.get('container_format',
                                                'bare')},
                data_iter=iter(result.get('data') or []))
            instance.task_state = None
            instance.save(expected_task_state=[
                task_states.IMAGE_UPLOADING, task_states.IMAGE_SNAPSHOT])
        except utils.DELETED_ERRORS:
            _delete_image(image_api, context, image_id)
            return
        except Exception as error:
            LOG.exception('Snapshot of %s failed', instance.uuid)
            _delete_image(image_api, context, image_id)
            utils.add_fault(context, instance, error, manager.host)
            instance.task_state = None
            try:
                instance.save(expected_task_state=list(
                    task_states.IMAGE_STATES))
            except exception.NimbusException:
                pass
            utils.finish_action(context, instance, error=True)
            return
        utils.finish_action(context, instance)


def _delete_image(image_api, context, image_id):
    try:
        image_api.delete(context, image_id)
    except Exception:
        LOG.warning('Could not delete image %s of a failed snapshot',
                    image_id)


def get_console_output(manager, context, instance, tail_length=None):
    transitions.check(instance, 'get_console_output')
    output = manager.driver.get_console_output(context, instance)
    if tail_length is None:
        return output
    lines = output.splitlines()
    tail_length = int(tail_length)
    if tail_length <= 0:
        return ''
    return '\n'.join(lines[-tail_length:]) + '\n'


def trigger_crash_dump(manager, context, instance):
    """Send the guest an NMI.  What follows is the guest's business (a
    kernel with kdump saves a dump and reboots), so neither state
    changes here, as in Nova; a failure (the guest is not running, the
    hypervisor cannot) is a fault and an errored event, not ERROR."""
    with manager.instance_lock(instance.uuid):
        reporter = instance_action.EventReporter(
            context, 'compute_trigger_crash_dump', manager.host,
            instance.uuid)
        try:
            with reporter:
                reporter.finish_action()
                try:
                    manager.driver.trigger_crash_dump(instance)
                except Exception as error:
                    reporter.finish_action(error=True)
                    utils.add_fault(context, instance, error, manager.host)
                    raise
        except Exception as error:
            LOG.warning('Crash dump of %s failed: %s', instance.uuid, error)
            return
        LOG.info('Sent an NMI to instance %s', instance.uuid)
