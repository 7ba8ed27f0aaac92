"""Client side of the compute RPC API."""

from nimbus import rpc

RPC_TOPIC = 'compute'
# The first version whose build_and_run_instance takes security_rules.
SECURITY_RULES_VERSION = '1.5'
TRIGGER_CRASH_DUMP_VERSION = '1.6'


class ComputeAPI(rpc.ClientBase):
    """Client side of the compute RPC API.

    Everything is a cast to the instance's host except get_console_output,
    whose answer the caller needs.

    API version history:

    * 1.0 - Initial version (the service, its topic and its resource
            reports).
    * 1.1 - Instance lifecycle: build_and_run_instance, terminate_instance,
            soft_delete_instance, restore_instance, reboot_instance,
            stop_instance, start_instance, pause_instance,
            unpause_instance, suspend_instance, resume_instance,
            rebuild_instance, snapshot_instance, get_console_output.
    * 1.2 - Resize: prep_resize, resize_instance, finish_resize,
            confirm_resize, revert_resize, finish_revert_resize.
    * 1.3 - rescue_instance, unrescue_instance.
    * 1.4 - refresh_instance_security_rules (security groups).
    * 1.5 - build_and_run_instance takes security_rules.
    * 1.6 - trigger_crash_dump.
    """

    TOPIC = RPC_TOPIC
    BASE_VERSION = '1.6'
    UPGRADE_LEVEL = 'compute'
    VERSION_ALIASES = {'grizzly': '1.3'}

    def _cast(self, context, version, host, method, **kwargs):
        self.prepare(version, server=host).cast(context, method, **kwargs)

    def build_and_run_instance(self, context, instance, host, image,
                               request_spec, filter_properties,
                               requested_networks=None, node=None,
                               limits=None, admin_password=None,
                               injected_files=None, security_groups=None,
                               security_rules=None):
        """``security_rules``: the instance's firewall rules, read by the
        conductor after it saved ``host`` (the host then need not ask
        for them); sent from 1.5 on, a host capped below reads them
        itself."""
        version, extra = '1.1', {}
        if security_rules is not None and self.can_send_version(
                SECURITY_RULES_VERSION):
            version = SECURITY_RULES_VERSION
            extra['security_rules'] = security_rules
        self._cast(context, version, host, 'build_and_run_instance',
                   instance=instance, image=image,
                   request_spec=request_spec,
                   filter_properties=filter_properties,
                   requested_networks=requested_networks, node=node,
                   limits=limits, admin_password=admin_password,
                   injected_files=injected_files,
                   security_groups=security_groups, **extra)

    def terminate_instance(self, context, instance):
        self._cast(context, '1.1', instance.host, 'terminate_instance',
                   instance=instance)

    def soft_delete_instance(self, context, instance):
        self._cast(context, '1.1', instance.host, 'soft_delete_instance',
                   instance=instance)

    def restore_instance(self, context, instance):
        self._cast(context, '1.1', instance.host, 'restore_instance',
                   instance=instance)

    def reboot_instance(self, context, instance, reboot_type):
        self._cast(context, '1.1', instance.host, 'reboot_instance',
                   instance=instance, reboot_type=reboot_type)

    def stop_instance(self, context, instance):
        self._cast(context, '1.1', instance.host, 'stop_instance',
                   instance=instance)

    def start_instance(self, context, instance):
        self._cast(context, '1.1', instance.host, 'start_instance',
                   instance=instance)

    def pause_instance(self, context, instance):
        self._cast(context, '1.1', instance.host, 'pause_instance',
                   instance=instance)

    def unpause_instance(self, context, instance):
        self._cast(context, '1.1', instance.host, 'unpause_instance',
                   instance=instance)

    def suspend_instance(self, context, instance):
        self._cast(context, '1.1', instance.host, 'suspend_instance',
                   instance=instance)

    def resume_instance(self, context, instance):
        self._cast(context, '1.1', instance.host, 'resume_instance',
                   instance=instance)

    def rebuild_instance(self, context, instance, new_image_ref, image,
                         orig_image_ref, admin_password=None,
                         preserve_ephemeral=False):
        self._cast(context, '1.1', instance.host, 'rebuild_instance',
                   instance=instance, new_image_ref=new_image_ref,
                   image=image, orig_image_ref=orig_image_ref,
                   admin_password=admin_password,
                   preserve_ephemeral=preserve_ephemeral)

    def snapshot_instance(self, context, instance, image_id):
        self._cast(context, '1.1', instance.host, 'snapshot_instance',
                   instance=instance, image_id=image_id)

    def get_console_output(self, context, instance, tail_length=None):
        cctxt = self.prepare('1.1', server=instance.host)
        return cctxt.call(context, 'get_console_output', instance=instance,
                          tail_length=tail_length)

    def trigger_crash_dump(self, context, instance):
        self._cast(context, TRIGGER_CRASH_DUMP_VERSION, instance.host,
                   'trigger_crash_dump',
                   instance=instance)

    # Resize (1.2) ---------------------------------------------------------

    def prep_resize(self, context, instance, host, node, migration,
                    request_spec, filter_properties):
        """To the destination: claim the new flavor there."""
        self._cast(context, '1.2', host, 'prep_resize', instance=instance,
                   node=node, migration=migration,
                   request_spec=request_spec,
                   filter_properties=filter_properties)

    def resize_instance(self, context, instance, migration):
        """To the source: power off and hand the disks over."""
        self._cast(context, '1.2', migration.source_compute,
                   'resize_instance', instance=instance,
                   migration=migration)

    def finish_resize(self, context, instance, migration, disk_info):
        """To the destination: start the guest with the new flavor."""
        self._cast(context, '1.2', migration.dest_compute, 'finish_resize',
                   instance=instance, migration=migration,
                   disk_info=disk_info)

    def confirm_resize(self, context, instance, migration, host):
        """To the source: drop what was kept for a revert."""
        self._cast(context, '1.2', host, 'confirm_resize',
                   instance=instance, migration=migration)

    def revert_resize(self, context, instance, migration, host):
        """To the destination: drop the new guest, then the source
        finishes the revert."""
        self._cast(context, '1.2', host, 'revert_resize', instance=instance,
                   migration=migration)

    def finish_revert_resize(self, context, instance, migration, host):
        self._cast(context, '1.2', host, 'finish_revert_resize',
                   instance=instance, migration=migration)

    # Rescue (1.3) ---------------------------------------------------------

    def rescue_instance(self, context, instance, rescue_password,
                        rescue_image_ref=None):
        self._cast(context, '1.3', instance.host, 'rescue_instance',
                   instance=instance, rescue_password=rescue_password,
                   rescue_image_ref=rescue_image_ref)

    def unrescue_instance(self, context, instance):
        self._cast(context, '1.3', instance.host, 'unrescue_instance',
                   instance=instance)

    # Security groups (1.4) ------------------------------------------------

    def refresh_instance_security_rules(self, context, instance_uuid, host):
        """Have ``host`` recompute and apply the instance's filter."""
        self._cast(context, '1.4', host, 'refresh_instance_security_rules',
                   instance_uuid=instance_uuid)
