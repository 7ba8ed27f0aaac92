"""nimbus-conductor: the database proxy of compute nodes, and the
orchestration of builds and resizes (nimbus.conductor.tasks)."""

import copy

import oslo_messaging as messaging
from oslo_log import log as logging

from nimbus.conductor.tasks import build
from nimbus.conductor.tasks import migrate
from nimbus import manager
from nimbus.objects import base as objects_base

LOG = logging.getLogger(__name__)


class ConductorManager(manager.Manager):
    """Runs remotable object methods on behalf of compute nodes, and the
    compute tasks of ComputeTaskAPI."""

    target = messaging.Target(version='1.1')
    service_name = 'conductor'

    def object_class_action_versions(self, context, objname, objmethod,
                                     object_versions, args, kwargs):
        objclass = objects_base.NimbusObject.obj_class_from_name(
            objname, object_versions[objname])
        result = getattr(objclass, objmethod)(context, *args, **kwargs)
        if isinstance(result, objects_base.NimbusObject):
            # Answer in the versions the caller knows.
            target = object_versions.get(result.obj_name())
            if target and target != result.VERSION:
                result = result.obj_to_primitive(
                    target_version=target, version_manifest=object_versions)
        return result

    def object_action(self, context, objinst, objmethod, args, kwargs):
        """Run ``objmethod`` on ``objinst``; return (field updates, result)
        so the caller's copy of the object ends up as ours."""
        before = {name: _snapshot(getattr(objinst, name))
                  for name in objinst.fields if objinst.obj_attr_is_set(name)}
        result = getattr(objinst, objmethod)(*args, **kwargs)
        updates = {}
        for name, field in objinst.fields.items():
            if not objinst.obj_attr_is_set(name):
                continue
            value = getattr(objinst, name)
            if name not in before or before[name] != _snapshot(value):
                updates[name] = field.to_primitive(objinst, name, value)
        updates['obj_what_changed'] = objinst.obj_what_changed()
        return updates, result

    def object_backport_versions(self, context, objinst, object_versions):
        target = object_versions[objinst.obj_name()]
        return objinst.obj_to_primitive(target_version=target,
                                        version_manifest=object_versions)

    # Compute tasks (1.1) ----------------------------------------------------

    def build_instances(self, context, instances, image, request_spec,
                        filter_properties, requested_networks=None,
                        admin_password=None, injected_files=None,
                        security_groups=None):
        build.BuildTask(context, instances, image, request_spec,
                        filter_properties, requested_networks,
                        admin_password, injected_files,
                        security_groups).execute()

    def resize_instance(self, context, instance, flavor, request_spec):
        migrate.ResizeTask(context, instance, flavor,
                           request_spec).execute()


def _snapshot(value):
    """A copy of a field's value to tell later whether it changed.

    Not obj_clone(): oslo's dict and list fields point back at their
    object, so deep-copying the object copies it whole (half a
    millisecond for an instance, on every call a compute node makes).
    """
    if isinstance(value, objects_base.NimbusObject):
        return value.obj_to_primitive()
    if isinstance(value, dict):
        return copy.deepcopy(dict(value))
    if isinstance(value, list):
        return copy.deepcopy(list(value))
    return value
