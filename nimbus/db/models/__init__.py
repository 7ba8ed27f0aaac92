"""All models, importable from here; ``Base.metadata`` is the whole schema."""

from nimbus.db.models.base import Base
from nimbus.db.models.ec2 import InstanceIdMapping
from nimbus.db.models.ec2 import S3Image
from nimbus.db.models.ec2 import SnapshotIdMapping
from nimbus.db.models.ec2 import VolumeIdMapping
from nimbus.db.models.flavor import InstanceTypeExtraSpecs
from nimbus.db.models.flavor import InstanceTypeProjects
from nimbus.db.models.flavor import InstanceTypes
from nimbus.db.models.image import Image
from nimbus.db.models.image import ImageLocation
from nimbus.db.models.image import ImageMember
from nimbus.db.models.image import ImageProperty
from nimbus.db.models.image import ImageTag
from nimbus.db.models.instance import Instance
from nimbus.db.models.instance import InstanceAction
from nimbus.db.models.instance import InstanceActionEvent
from nimbus.db.models.instance import InstanceFault
from nimbus.db.models.instance import InstanceInfoCache
from nimbus.db.models.instance import InstanceMetadata
from nimbus.db.models.instance import InstanceSystemMetadata
from nimbus.db.models.instance import Migration
from nimbus.db.models.instance import Tag
from nimbus.db.models.keypair import KeyPair
from nimbus.db.models.network import FixedIp
from nimbus.db.models.network import FloatingIp
from nimbus.db.models.network import Network
from nimbus.db.models.network import VirtualInterface
from nimbus.db.models.quota import Quota
from nimbus.db.models.quota import QuotaClass
from nimbus.db.models.quota import QuotaUsage
from nimbus.db.models.quota import Reservation
from nimbus.db.models.security_group import SecurityGroup
from nimbus.db.models.security_group import SecurityGroupIngressDefaultRule
from nimbus.db.models.security_group import SecurityGroupIngressRule
from nimbus.db.models.security_group import SecurityGroupInstanceAssociation
from nimbus.db.models.server_group import InstanceGroup
from nimbus.db.models.server_group import InstanceGroupMember
from nimbus.db.models.service import ComputeNode
from nimbus.db.models.service import Service
from nimbus.db.models.volume import BlockDeviceMapping
from nimbus.db.models.volume import Snapshot
from nimbus.db.models.volume import Volume

__all__ = [
    'Base',
    'BlockDeviceMapping', 'ComputeNode', 'FixedIp', 'FloatingIp', 'Image',
    'ImageLocation', 'ImageMember', 'ImageProperty', 'ImageTag', 'Instance',
    'InstanceAction', 'InstanceActionEvent', 'InstanceFault',
    'InstanceGroup', 'InstanceGroupMember',
    'InstanceIdMapping', 'InstanceInfoCache', 'InstanceMetadata',
    'InstanceSystemMetadata', 'InstanceTypeExtraSpecs',
    'InstanceTypeProjects', 'InstanceTypes', 'KeyPair', 'Migration',
    'Network', 'Quota', 'QuotaClass', 'QuotaUsage', 'Reservation',
    'S3Image', 'SecurityGroup', 'SecurityGroupIngressDefaultRule',
    'SecurityGroupIngressRule', 'SecurityGroupInstanceAssociation',
    'Service', 'Snapshot', 'SnapshotIdMapping', 'Tag', 'VirtualInterface',
    'Volume', 'VolumeIdMapping',
]
