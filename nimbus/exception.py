"""Exceptions nimbus raises across layers, each with a user-safe message."""


class NimbusException(Exception):
    """Base class: ``msg_fmt`` % kwargs is the message shown to users.

    ``code`` is the HTTP status the API layer answers with.
    """

    msg_fmt = 'An unknown error occurred.'
    code = 500

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError):
                message = self.msg_fmt
        self.message = message
        super().__init__(message)

    def format_message(self):
        return self.message


class Invalid(NimbusException):
    msg_fmt = 'Invalid input: %(reason)s'
    code = 400


class NotFound(NimbusException):
    msg_fmt = 'Resource could not be found.'
    code = 404


class ServiceNotFound(NotFound):
    msg_fmt = 'Service %(service_id)s could not be found.'


class HostBinaryNotFound(NotFound):
    msg_fmt = 'No service %(binary)s on host %(host)s.'


class ComputeHostNotFound(NotFound):
    msg_fmt = 'Compute host %(host)s could not be found.'


class ConfigNotFound(NotFound):
    msg_fmt = 'Could not find config file %(path)s.'


class ServiceTopicNotFound(NotFound):
    msg_fmt = 'No service for topic %(topic)s.'


class RPCPinnedToOldVersion(NimbusException):
    msg_fmt = ('This operation needs RPC version %(version)s, but the '
               '[upgrade_levels] cap for %(service)s is %(cap)s.')
    code = 409


class Conflict(NimbusException):
    msg_fmt = 'Conflict: %(reason)s'
    code = 409


class ServiceExists(Conflict):
    msg_fmt = 'Service %(binary)s on host %(host)s already exists.'


class FixedIpNotFoundForAddress(NotFound):
    msg_fmt = 'Fixed IP %(address)s could not be found.'


class FixedIpMacMismatch(Conflict):
    msg_fmt = ('Fixed IP %(address)s belongs to MAC %(expected)s, not '
               '%(mac)s.')


class Forbidden(NimbusException):
    msg_fmt = 'Forbidden.'
    code = 403


class PolicyNotAuthorized(Forbidden):
    msg_fmt = "Policy doesn't allow %(action)s to be performed."


# Compute: instances, their states, actions and migrations ---------------

class InstanceNotFound(NotFound):
    msg_fmt = 'Instance %(instance_id)s could not be found.'


class InstanceInvalidState(Invalid):
    msg_fmt = ('Cannot %(method)s instance %(instance_uuid)s while it is '
               'in %(attr)s %(state)s.')
    code = 409


class InstanceNotReady(InstanceInvalidState):
    msg_fmt = 'Instance %(instance_id)s is not ready.'


class InstanceNotRunning(Invalid):
    msg_fmt = 'Instance %(instance_id)s is not running.'
    code = 409


class TriggerCrashDumpNotSupported(Invalid):
    msg_fmt = 'Triggering a crash dump is not supported here.'


class UnexpectedTaskStateError(Conflict):
    msg_fmt = ('Conflicting instance update: %(instance_uuid)s is in '
               'task_state %(actual)s, expected %(expected)s.')


class UnexpectedDeletingTaskStateError(UnexpectedTaskStateError):
    pass


class InstanceIsLocked(InstanceInvalidState):
    msg_fmt = 'Instance %(instance_uuid)s is locked.'


class InstanceActionNotFound(NotFound):
    msg_fmt = ('Action for request_id %(request_id)s on instance '
               '%(instance_uuid)s not found.')


class InstanceActionEventNotFound(NotFound):
    msg_fmt = 'Event %(event)s not found for action id %(action_id)s.'


class MetadataNotFound(NotFound):
    msg_fmt = 'Instance %(instance_uuid)s has no metadata with key %(key)s.'


class MarkerNotFound(NotFound):
    msg_fmt = 'Marker %(marker)s could not be found.'
    code = 400


class InvalidSortKey(Invalid):
    msg_fmt = 'Sort key supplied is invalid: %(reason)s'


class MigrationNotFound(NotFound):
    msg_fmt = 'Migration %(migration_id)s could not be found.'


class MigrationNotFoundByStatus(MigrationNotFound):
    msg_fmt = ('Migration not found for instance %(instance_id)s with '
               'status %(status)s.')


class InstanceSecurityGroupNotFound(NotFound):
    msg_fmt = ('Security group %(security_group_id)s not found for project '
               '%(project_id)s.')
    code = 400


class InstanceUserDataTooLarge(Invalid):
    msg_fmt = ('User data too large. User data must be no larger than '
               '%(maxsize)s bytes once base64 encoded. Your data is '
               '%(length)d bytes')


class InstanceUserDataMalformed(Invalid):
    msg_fmt = 'User data needs to be valid base 64.'


class MetadataLimitExceeded(Forbidden):
    msg_fmt = ('Maximum number of metadata items exceeds %(allowed)d')


class InvalidMetadata(Invalid):
    msg_fmt = 'Invalid metadata: %(reason)s'


class FlavorMemoryTooSmall(Invalid):
    msg_fmt = "Flavor's memory is too small for requested image."


class FlavorDiskTooSmall(Invalid):
    msg_fmt = "Flavor's disk is too small for requested image."


class ImageNotActive(Invalid):
    msg_fmt = 'Image %(image_id)s is not active.'
    code = 400


class InvalidInstanceCount(Invalid):
    msg_fmt = 'Invalid instance count: %(reason)s'


class InstanceAvailabilityZoneNotFound(Invalid):
    msg_fmt = 'The requested availability zone %(az)s is not available.'


class ResizeToSameFlavor(Invalid):
    msg_fmt = 'When resizing, instances must change flavor.'


class CannotResizeDisk(Invalid):
    msg_fmt = 'Server disk cannot be resized down: %(reason)s'


class InstanceFaultRollback(NimbusException):
    msg_fmt = 'Instance rollback performed due to: %(reason)s'


class RescheduledBuild(NimbusException):
    msg_fmt = 'Build of instance %(instance_uuid)s was re-scheduled: ' \
              '%(reason)s'


class BuildAbortException(NimbusException):
    msg_fmt = 'Build of instance %(instance_uuid)s aborted: %(reason)s'


class InstanceDriverError(NimbusException):
    msg_fmt = 'Hypervisor error on instance %(instance_uuid)s: %(reason)s'


class HypervisorUnavailable(NimbusException):
    msg_fmt = 'The hypervisor at %(host)s is unavailable: %(reason)s'
    code = 503


class ImageUnacceptable(Invalid):
    msg_fmt = 'Image %(image_id)s is unacceptable: %(reason)s'


class InstanceBuildTimeout(NimbusException):
    msg_fmt = 'Instance build timed out after %(timeout)d seconds.'


class ConsoleNotAvailable(NotFound):
    msg_fmt = 'Guest does not have a console available.'


# Quotas, flavors, key pairs, hypervisors (the Compute API's resources).

class OverQuota(Forbidden):
    """A request would take a project over one of its limits.

    ``overs`` are the resources over their limit; ``quotas`` and
    ``usages`` the limits and current usage of the resources checked.
    """

    msg_fmt = 'Quota exceeded for %(overs)s.'

    def __init__(self, message=None, overs=(), quotas=None, usages=None,
                 **kwargs):
        self.overs = sorted(overs)
        self.quotas = dict(quotas or {})
        self.usages = dict(usages or {})
        super().__init__(message, overs=', '.join(self.overs), **kwargs)


class QuotaResourceUnknown(NotFound):
    msg_fmt = 'Unknown quota resources %(unknown)s.'


class InvalidQuotaValue(Invalid):
    msg_fmt = ('Quota limit %(limit)s for %(resource)s must be greater than '
               'or equal to already used and reserved %(minimum)s.')


class FlavorNotFound(NotFound):
    msg_fmt = 'Flavor %(flavor_id)s could not be found.'


class FlavorNotFoundByName(FlavorNotFound):
    msg_fmt = 'Flavor with name %(flavor_name)s could not be found.'


class FlavorExists(Conflict):
    msg_fmt = 'Flavor with name %(name)s already exists.'


class FlavorIdExists(Conflict):
    msg_fmt = 'Flavor with ID %(flavor_id)s already exists.'


class FlavorExtraSpecsNotFound(NotFound):
    msg_fmt = ('Flavor %(flavor_id)s has no extra specs with key '
               '%(extra_specs_key)s.')


class FlavorAccessNotFound(NotFound):
    msg_fmt = ('Flavor access not found for %(flavor_id)s / '
               '%(project_id)s combination.')


class FlavorAccessExists(Conflict):
    msg_fmt = ('Flavor access already exists for flavor %(flavor_id)s and '
               'project %(project_id)s combination.')


class InstanceGroupNotFound(NotFound):
    msg_fmt = 'Server group %(group_uuid)s could not be found.'


class KeypairNotFound(NotFound):
    msg_fmt = 'Keypair %(name)s not found for user %(user_id)s'


class KeyPairExists(Conflict):
    msg_fmt = "Key pair '%(key_name)s' already exists."


class InvalidKeypair(Invalid):
    msg_fmt = 'Keypair data is invalid: %(reason)s'


class HypervisorNotFound(NotFound):
    msg_fmt = 'Hypervisor %(hypervisor_id)s could not be found.'


class HypervisorHostNotFound(NotFound):
    msg_fmt = 'No hypervisor matching %(pattern)s could be found.'


class NoValidHost(NimbusException):
    """The scheduler found no host for an instance; ``reason`` says what
    ruled the hosts out (it ends up in the instance fault)."""
    msg_fmt = 'No valid host was found. %(reason)s'
    code = 400


# Images: the image API and its client (nimbus.image) ---------------------

class ImageNotFound(NotFound):
    msg_fmt = 'Image %(image_id)s could not be found.'


class ImageTagNotFound(NotFound):
    msg_fmt = 'Image %(image_id)s has no tag %(tag)s.'


class ImageNotAuthorized(Forbidden):
    msg_fmt = 'Not authorized for image %(image_id)s.'


class ImageProtected(Forbidden):
    msg_fmt = 'Image %(image_id)s is protected and cannot be deleted.'


class ImageBadRequest(Invalid):
    msg_fmt = 'Request for image %(image_id)s is invalid: %(reason)s'


class ImageConflict(Conflict):
    msg_fmt = 'Image %(image_id)s: %(reason)s'


class ImageSizeLimitExceeded(NimbusException):
    msg_fmt = 'Image data exceeds the limit of %(limit)d bytes.'
    code = 413


class ImageDownloadFailed(NimbusException):
    msg_fmt = 'Download of image %(image_id)s failed: %(reason)s'


class ImageServiceUnavailable(NimbusException):
    msg_fmt = 'The image service is unavailable: %(reason)s'
    code = 503


# Networks, fixed IPs and virtual interfaces (nimbus-network) -------------

class NetworkNotFound(NotFound):
    msg_fmt = 'Network %(network_id)s could not be found.'


class NetworkNotFoundForCidr(NetworkNotFound):
    msg_fmt = 'Network with cidr %(cidr)s could not be found.'


class NoNetworksFound(NotFound):
    msg_fmt = 'No networks defined for project %(project_id)s.'


class NoMoreNetworks(NimbusException):
    msg_fmt = 'No more available networks: every VLAN network is taken.'


class NetworkInUse(Conflict):
    msg_fmt = ('Network %(network_id)s is still in use: %(reason)s')


class NetworkDuplicated(Invalid):
    msg_fmt = 'Network %(network_id)s is requested more than once.'


class CidrConflict(Conflict):
    msg_fmt = ('Requested cidr %(cidr)s conflicts with network %(other)s '
               '(%(other_cidr)s).')


class DuplicateVlan(Conflict):
    msg_fmt = 'VLAN %(vlan)s is already used by network %(other)s.'


class BridgeInUse(Conflict):
    msg_fmt = 'Bridge %(bridge)s is already used by network %(other)s.'


class NoMoreFixedIps(NimbusException):
    msg_fmt = 'No fixed IP addresses available for network: %(net)s'


class FixedIpInvalid(Invalid):
    msg_fmt = 'Fixed IP address %(address)s is invalid.'


class FixedIpNotFoundForNetwork(NotFound):
    msg_fmt = ('Fixed IP address %(address)s does not exist in network '
               '%(network_uuid)s.')


class FixedIpAlreadyInUse(Conflict):
    msg_fmt = ('Fixed IP address %(address)s is already in use on instance '
               '%(instance_uuid)s.')


class FixedIpReserved(Conflict):
    msg_fmt = ('Fixed IP address %(address)s is reserved (network, gateway, '
               'broadcast or a host address of the network).')


class VirtualInterfaceMacAddressException(NimbusException):
    msg_fmt = ('Creation of virtual interface with unique mac address '
               'failed.')


class NetworkManagerInvalid(Invalid):
    msg_fmt = 'network_manager %(name)s is not a nimbus network manager.'


class NetworkDriverInvalid(Invalid):
    msg_fmt = 'network_driver %(name)s cannot be used: %(reason)s'


class FixedIpNotAssociated(Conflict):
    msg_fmt = 'Fixed IP %(address)s is not associated with any instance.'


class HostCommandFailed(NimbusException):
    msg_fmt = ('Host command %(command)s failed (exit code %(code)s): '
               '%(stderr)s')


class HostNetworkError(NimbusException):
    msg_fmt = 'Host network operation failed: %(reason)s'


class KernelFeatureMissing(HostNetworkError):
    msg_fmt = ('%(operation)s needs %(feature)s, which this kernel does not '
               'provide: %(reason)s')


# Floating IPs (nova-network).

class FloatingIpNotFound(NotFound):
    msg_fmt = 'Floating IP not found for ID %(id)s.'


class FloatingIpNotFoundForAddress(FloatingIpNotFound):
    msg_fmt = 'Floating IP not found for address %(address)s.'


class FloatingIpPoolNotFound(NotFound):
    msg_fmt = 'Floating IP pool not found.'


class NoMoreFloatingIps(FloatingIpNotFound):
    msg_fmt = 'No more floating IPs in pool %(pool)s.'


class FloatingIpExists(Conflict):
    msg_fmt = 'Floating IP %(address)s already exists.'


class FloatingIpInUse(Conflict):
    msg_fmt = ('Floating IP %(address)s is allocated to a project; '
               'release it first.')


class FloatingIpAssociated(Invalid):
    msg_fmt = 'Floating IP %(address)s is already associated.'


class FloatingIpNotAssociated(Invalid):
    msg_fmt = 'Floating IP %(address)s is not associated.'


class FloatingIpAssociatedWithOtherInstance(Conflict):
    msg_fmt = ('Floating IP %(address)s is not associated with instance '
               '%(instance_uuid)s.')


class NoFixedIpsDefined(Invalid):
    msg_fmt = 'Instance %(instance_uuid)s has no fixed IP.'


class FixedIpNotFoundForInstance(Invalid):
    msg_fmt = ('Fixed IP %(address)s does not belong to instance '
               '%(instance_uuid)s.')


# Security groups.

class SecurityGroupNotFound(NotFound):
    msg_fmt = 'Security group %(security_group_id)s not found.'


class SecurityGroupNotFoundForProject(SecurityGroupNotFound):
    msg_fmt = ('Security group %(security_group_id)s not found for project '
               '%(project_id)s.')


class SecurityGroupExists(Invalid):
    msg_fmt = ('Security group %(security_group_name)s already exists for '
               'project %(project_id)s.')


class SecurityGroupInUse(Invalid):
    msg_fmt = 'Security group %(name)s is in use.'


class SecurityGroupDefaultProtected(Invalid):
    msg_fmt = 'The default security group cannot be %(action)s.'


class SecurityGroupRuleNotFound(NotFound):
    msg_fmt = 'Security group rule %(rule_id)s not found.'


class SecurityGroupRuleExists(Invalid):
    msg_fmt = 'This rule already exists in group %(group)s.'


class SecurityGroupExistsForInstance(Invalid):
    msg_fmt = ('Security group %(security_group_id)s is already associated '
               'with the instance %(instance_id)s.')


class SecurityGroupNotExistsForInstance(Invalid):
    msg_fmt = ('Security group %(security_group_id)s is not associated '
               'with the instance %(instance_id)s.')
