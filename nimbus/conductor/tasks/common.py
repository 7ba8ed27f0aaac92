"""What the conductor's tasks share: retry bookkeeping and setting an
instance to ERROR with a fault."""

import copy
import sys

from oslo_log import log as logging

from nimbus.compute import vm_states
from nimbus.conf import CONF
from nimbus import exception
from nimbus import objects

LOG = logging.getLogger(__name__)


def max_attempts():
    try:
        return max(int(CONF.scheduler_max_attempts), 1)
    except Exception:
        return 3


def populate_retry(filter_properties, instance_uuid):
    """Count one more scheduling attempt in ``filter_properties['retry']``.

    Raises MaxRetriesExceeded when the attempts are used up (the message
    says why the last one failed).  With scheduler_max_attempts = 1 there
    is no retry: a failed build goes to ERROR on its host.
    """
    attempts = max_attempts()
    if attempts == 1:
        filter_properties.pop('retry', None)
        return
    retry = filter_properties.setdefault('retry',
                                         {'num_attempts': 0, 'hosts': []})
    retry['num_attempts'] = retry.get('num_attempts', 0) + 1
    retry.setdefault('hosts', [])
    if retry['num_attempts'] > attempts:
        last = retry.get('exc') or 'unknown'
        raise MaxRetriesExceeded(
            reason='Exceeded maximum number of retries. Exceeded max '
                   'scheduling attempts %d for instance %s. Last '
                   'exception: %s' % (attempts, instance_uuid, last))


class MaxRetriesExceeded(exception.NimbusException):
    msg_fmt = '%(reason)s'
    code = 500


def filter_properties_for_host(filter_properties, host, node, limits):
    props = copy.deepcopy(filter_properties)
    if 'retry' in props:
        props['retry']['hosts'].append([host, node])
    props['limits'] = limits or {}
    return props


def set_error_with_fault(context, instance, error, exc_info=None,
                         **changes):
    """vm_state ERROR, task_state None, and a fault saying why.  An
    instance deleted meanwhile is left alone.

    The fault is written first, as compute's set_error does: whoever
    reads the instance in ERROR (in one transaction) finds its fault.
    """
    fault = objects.InstanceFault.from_exception(
        context, instance.uuid, error, host=CONF.host,
        exc_info=exc_info or (sys.exc_info() if sys.exc_info()[0]
                              else None))
    try:
        fault.create()
    except Exception:
        LOG.exception('Could not record the fault of %s', instance.uuid)
    instance.vm_state = vm_states.ERROR
    instance.task_state = None
    for name, value in changes.items():
        setattr(instance, name, value)
    try:
        instance.save()
    except (exception.InstanceNotFound,
            exception.UnexpectedDeletingTaskStateError):
        LOG.info('Instance %s was deleted while it failed: %s',
                 instance.uuid, error)
        return
    try:
        objects.InstanceAction.action_finish(context, instance.uuid,
                                             message='Error')
    except exception.NotFound:
        pass
