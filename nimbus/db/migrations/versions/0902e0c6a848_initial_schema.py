"""Initial schema: every table nimbus needs.

Written out in full rather than derived from the models, so that it keeps
describing this revision when the models move on. A test checks that a
database built by it matches the models on SQLite, MariaDB and PostgreSQL.

Revision ID: 0902e0c6a848
Revises:
Create Date: 2024-01-01 00:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0902e0c6a848'
down_revision = None
branch_labels = None
depends_on = None

MYSQL_TABLE_KWARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}
MediumText = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql', 'mariadb')
DateTime = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                      'mariadb')
IPAddress = sa.String(39)
CIDR = sa.String(43)


def _id():
    return sa.Column('id', sa.Integer(), autoincrement=True, nullable=False)


def _uuid_id():
    return sa.Column('id', sa.String(36), nullable=False)


def _timestamps_and_soft_delete():
    return [
        sa.Column('created_at', DateTime, nullable=True),
        sa.Column('updated_at', DateTime, nullable=True),
        sa.Column('deleted_at', DateTime, nullable=True),
        sa.Column('deleted', sa.Integer(), nullable=False,
                  server_default='0'),
    ]


def _str(name, length=255, nullable=True):
    return sa.Column(name, sa.String(length), nullable=nullable)


def _int(name, nullable=True):
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _bool(name, nullable=True):
    return sa.Column(name, sa.Boolean(), nullable=nullable)


def _datetime(name):
    return sa.Column(name, DateTime, nullable=True)


def _pk(table, *columns):
    return sa.PrimaryKeyConstraint(*(columns or ('id',)), name='pk_' + table)


def _uniq(table, *columns):
    return sa.UniqueConstraint(
        *columns, name='uniq_%s0%s' % (table, '0'.join(columns)))


def _fk(table, column, referred):
    return sa.ForeignKeyConstraint(
        [column], [referred], name='fk_%s_%s' % (table, column))


def _index(table, *columns):
    op.create_index('ix_%s_%s' % (table, '_'.join(columns)), table,
                    list(columns))


def _create(table, *items):
    op.create_table(table, *items, **MYSQL_TABLE_KWARGS)


def upgrade():
    _services()
    _flavors()
    _instances()
    _instance_records()
    _keypairs_and_quotas()
    _networks()
    _security_groups()
    _volumes()
    _images()
    _ec2_ids()


def downgrade():
    # As in Nova, migrations only go forward: restore a backup instead.
    raise NotImplementedError('Downgrades are not supported.')


def _services():
    _create(
        'services',
        _id(), *_timestamps_and_soft_delete(),
        _str('host'), _str('binary'), _str('topic'),
        sa.Column('report_count', sa.Integer(), nullable=False,
                  server_default='0'),
        _bool('disabled'), _str('disabled_reason'),
        _str('availability_zone'), _datetime('last_seen_up'),
        _bool('forced_down'), _int('version'),
        _pk('services'),
        _uniq('services', 'host', 'binary', 'deleted'),
        _uniq('services', 'host', 'topic', 'deleted'),
    )
    _create(
        'compute_nodes',
        _id(), *_timestamps_and_soft_delete(),
        _int('service_id'), _str('uuid', 36), _str('host'),
        _str('hypervisor_hostname'), _str('hypervisor_type'),
        _int('hypervisor_version'),
        _int('vcpus', nullable=False), _int('memory_mb', nullable=False),
        _int('local_gb', nullable=False),
        _int('vcpus_used', nullable=False),
        _int('memory_mb_used', nullable=False),
        _int('local_gb_used', nullable=False),
        _int('free_ram_mb'), _int('free_disk_gb'), _int('current_workload'),
        _int('running_vms'),
        sa.Column('cpu_info', MediumText, nullable=True),
        _int('disk_available_least'),
        sa.Column('host_ip', IPAddress, nullable=True),
        sa.Column('supported_instances', sa.Text(), nullable=True),
        sa.Column('stats', sa.Text(), nullable=True),
        sa.Column('cpu_allocation_ratio', sa.Float(), nullable=True),
        sa.Column('ram_allocation_ratio', sa.Float(), nullable=True),
        sa.Column('disk_allocation_ratio', sa.Float(), nullable=True),
        _pk('compute_nodes'),
        _fk('compute_nodes', 'service_id', 'services.id'),
        _uniq('compute_nodes', 'uuid'),
        _uniq('compute_nodes', 'host', 'hypervisor_hostname', 'deleted'),
    )
    _index('compute_nodes', 'service_id')


def _flavors():
    _create(
        'instance_types',
        _id(), *_timestamps_and_soft_delete(),
        _str('name'), _str('flavorid'),
        _int('memory_mb', nullable=False), _int('vcpus', nullable=False),
        _int('root_gb'), _int('ephemeral_gb'), _int('swap', nullable=False),
        sa.Column('rxtx_factor', sa.Float(), nullable=True),
        _int('vcpu_weight'), _bool('disabled'), _bool('is_public'),
        sa.Column('description', sa.Text(), nullable=True),
        _pk('instance_types'),
        _uniq('instance_types', 'name', 'deleted'),
        _uniq('instance_types', 'flavorid', 'deleted'),
    )
    _create(
        'instance_type_extra_specs',
        _id(), *_timestamps_and_soft_delete(),
        _int('instance_type_id', nullable=False), _str('key'),
        _str('value'),
        _pk('instance_type_extra_specs'),
        _fk('instance_type_extra_specs', 'instance_type_id',
            'instance_types.id'),
        _uniq('instance_type_extra_specs', 'instance_type_id', 'key',
              'deleted'),
    )
    _index('instance_type_extra_specs', 'instance_type_id', 'key')
    _create(
        'instance_type_projects',
        _id(), *_timestamps_and_soft_delete(),
        _int('instance_type_id', nullable=False), _str('project_id'),
        _pk('instance_type_projects'),
        _fk('instance_type_projects', 'instance_type_id',
            'instance_types.id'),
        _uniq('instance_type_projects', 'instance_type_id', 'project_id',
              'deleted'),
    )


def _instances():
    _create(
        'instances',
        _id(), *_timestamps_and_soft_delete(),
        _str('uuid', 36, nullable=False), _str('user_id'),
        _str('project_id'),
        _str('display_name'), _str('display_description'), _str('hostname'),
        _str('host'), _str('node'),
        sa.Column('launched_on', MediumText, nullable=True),
        _str('image_ref'), _str('kernel_id'), _str('ramdisk_id'),
        _str('root_device_name'), _str('default_ephemeral_device'),
        _str('default_swap_device'), _str('config_drive'),
        _str('key_name'),
        sa.Column('key_data', MediumText, nullable=True),
        sa.Column('user_data', MediumText, nullable=True),
        _str('vm_state'), _str('task_state'), _int('power_state'),
        _int('instance_type_id'), _int('memory_mb'), _int('vcpus'),
        _int('root_gb'), _int('ephemeral_gb'),
        _str('os_type'), _str('architecture'), _str('vm_mode'),
        _str('availability_zone'),
        _str('reservation_id'), _int('launch_index'),
        _datetime('scheduled_at'), _datetime('launched_at'),
        _datetime('terminated_at'),
        _bool('locked'),
        sa.Column('locked_by', sa.Enum('owner', 'admin',
                                       name='instances0locked_by'),
                  nullable=True),
        sa.Column('access_ip_v4', IPAddress, nullable=True),
        sa.Column('access_ip_v6', IPAddress, nullable=True),
        _bool('auto_disk_config'), _int('progress'),
        _bool('shutdown_terminate'), _bool('disable_terminate'),
        _int('cleaned'),
        _pk('instances'),
        _uniq('instances', 'uuid'),
    )
    _index('instances', 'project_id')
    _index('instances', 'host')
    _index('instances', 'reservation_id')
    _index('instances', 'deleted', 'vm_state')


def _instance_records():
    for table, key_nullable in (('instance_metadata', True),
                                ('instance_system_metadata', False)):
        _create(
            table,
            _id(), *_timestamps_and_soft_delete(),
            _str('key', nullable=key_nullable), _str('value'),
            _str('instance_uuid', 36, nullable=key_nullable),
            _pk(table),
            _fk(table, 'instance_uuid', 'instances.uuid'),
        )
        _index(table, 'instance_uuid')
    _create(
        'instance_faults',
        _id(), *_timestamps_and_soft_delete(),
        _str('instance_uuid', 36), _int('code', nullable=False),
        _str('message'),
        sa.Column('details', MediumText, nullable=True),
        _str('host'),
        _pk('instance_faults'),
        _fk('instance_faults', 'instance_uuid', 'instances.uuid'),
    )
    _index('instance_faults', 'instance_uuid', 'deleted', 'created_at')
    _create(
        'instance_actions',
        _id(), *_timestamps_and_soft_delete(),
        _str('action'), _str('instance_uuid', 36), _str('request_id'),
        _str('user_id'), _str('project_id'),
        _datetime('start_time'), _datetime('finish_time'), _str('message'),
        _pk('instance_actions'),
        _fk('instance_actions', 'instance_uuid', 'instances.uuid'),
    )
    _index('instance_actions', 'instance_uuid', 'request_id')
    _index('instance_actions', 'request_id')
    _create(
        'instance_actions_events',
        _id(), *_timestamps_and_soft_delete(),
        _str('event'), _int('action_id'),
        _datetime('start_time'), _datetime('finish_time'), _str('result'),
        sa.Column('traceback', sa.Text(), nullable=True),
        _str('host'),
        sa.Column('details', sa.Text(), nullable=True),
        _pk('instance_actions_events'),
        _fk('instance_actions_events', 'action_id', 'instance_actions.id'),
    )
    _index('instance_actions_events', 'action_id')
    _create(
        'instance_info_caches',
        _id(), *_timestamps_and_soft_delete(),
        sa.Column('network_info', MediumText, nullable=True),
        _str('instance_uuid', 36, nullable=False),
        _pk('instance_info_caches'),
        _fk('instance_info_caches', 'instance_uuid', 'instances.uuid'),
        _uniq('instance_info_caches', 'instance_uuid'),
    )
    _create(
        'tags',
        _str('resource_id', 36, nullable=False),
        sa.Column('tag', sa.Unicode(80), nullable=False),
        _pk('tags', 'resource_id', 'tag'),
    )
    _index('tags', 'tag')
    _create(
        'migrations',
        _id(), *_timestamps_and_soft_delete(),
        _str('source_compute'), _str('dest_compute'), _str('source_node'),
        _str('dest_node'), _str('dest_host'),
        _int('old_instance_type_id'), _int('new_instance_type_id'),
        _str('instance_uuid', 36), _str('status'),
        sa.Column('migration_type',
                  sa.Enum('migration', 'resize', 'live-migration',
                          'evacuation', name='migration_type'),
                  nullable=True),
        _pk('migrations'),
        _fk('migrations', 'instance_uuid', 'instances.uuid'),
    )
    _index('migrations', 'instance_uuid', 'status')
    _index('migrations', 'source_compute', 'status')
    _index('migrations', 'dest_compute', 'status')


def _keypairs_and_quotas():
    _create(
        'key_pairs',
        _id(), *_timestamps_and_soft_delete(),
        _str('name', nullable=False), _str('user_id'), _str('fingerprint'),
        sa.Column('public_key', MediumText, nullable=True),
        sa.Column('type', sa.Enum('ssh', 'x509', name='keypair_types'),
                  nullable=False),
        _pk('key_pairs'),
        _uniq('key_pairs', 'user_id', 'name', 'deleted'),
    )
    _create(
        'quotas',
        _id(), *_timestamps_and_soft_delete(),
        _str('project_id'), _str('resource', nullable=False),
        _int('hard_limit'),
        _pk('quotas'),
        _uniq('quotas', 'project_id', 'resource', 'deleted'),
    )
    _create(
        'quota_classes',
        _id(), *_timestamps_and_soft_delete(),
        _str('class_name'), _str('resource'), _int('hard_limit'),
        _pk('quota_classes'),
    )
    _index('quota_classes', 'class_name')
    _create(
        'quota_usages',
        _id(), *_timestamps_and_soft_delete(),
        _str('project_id'), _str('user_id'),
        _str('resource', nullable=False),
        _int('in_use', nullable=False), _int('reserved', nullable=False),
        _int('until_refresh'),
        _pk('quota_usages'),
    )
    _index('quota_usages', 'project_id')
    _index('quota_usages', 'user_id', 'deleted')
    _create(
        'reservations',
        _id(), *_timestamps_and_soft_delete(),
        _str('uuid', 36, nullable=False), _int('usage_id', nullable=False),
        _str('project_id'), _str('user_id'), _str('resource'),
        _int('delta', nullable=False), _datetime('expire'),
        _pk('reservations'),
        _fk('reservations', 'usage_id', 'quota_usages.id'),
    )
    _index('reservations', 'usage_id')
    _index('reservations', 'project_id')
    _index('reservations', 'uuid')
    _index('reservations', 'deleted', 'expire')


def _networks():
    _create(
        'networks',
        _id(), *_timestamps_and_soft_delete(),
        _str('uuid', 36), _str('label'), _bool('injected'),
        sa.Column('cidr', CIDR, nullable=True),
        sa.Column('cidr_v6', CIDR, nullable=True),
        _bool('multi_host'),
        *[sa.Column(name, IPAddress, nullable=True)
          for name in ('netmask', 'gateway', 'broadcast', 'netmask_v6',
                       'gateway_v6', 'dns1', 'dns2')],
        _str('bridge'), _str('bridge_interface'), _int('vlan'),
        sa.Column('vpn_public_address', IPAddress, nullable=True),
        _int('vpn_public_port'),
        sa.Column('vpn_private_address', IPAddress, nullable=True),
        sa.Column('dhcp_start', IPAddress, nullable=True),
        sa.Column('dhcp_server', IPAddress, nullable=True),
        _bool('enable_dhcp'), _bool('share_address'),
        _int('rxtx_base'), _int('mtu'), _int('priority'),
        _str('project_id'), _str('host'),
        _pk('networks'),
        _uniq('networks', 'vlan', 'deleted'),
    )
    _index('networks', 'bridge', 'deleted')
    _index('networks', 'host')
    _index('networks', 'project_id', 'deleted')
    _index('networks', 'uuid')
    _index('networks', 'cidr_v6')
    _create(
        'virtual_interfaces',
        _id(), *_timestamps_and_soft_delete(),
        _str('address'), _int('network_id'), _str('instance_uuid', 36),
        _str('uuid', 36), _str('tag'),
        _pk('virtual_interfaces'),
        _fk('virtual_interfaces', 'instance_uuid', 'instances.uuid'),
        _uniq('virtual_interfaces', 'address', 'deleted'),
    )
    _index('virtual_interfaces', 'network_id')
    _index('virtual_interfaces', 'instance_uuid')
    _create(
        'fixed_ips',
        _id(), *_timestamps_and_soft_delete(),
        sa.Column('address', IPAddress, nullable=True),
        _int('network_id'), _int('virtual_interface_id'),
        _str('instance_uuid', 36),
        _bool('allocated'), _bool('leased'), _bool('reserved'),
        _str('host'),
        _pk('fixed_ips'),
        _fk('fixed_ips', 'network_id', 'networks.id'),
        _fk('fixed_ips', 'instance_uuid', 'instances.uuid'),
        _uniq('fixed_ips', 'address', 'deleted'),
    )
    _index('fixed_ips', 'network_id', 'host', 'deleted')
    _index('fixed_ips', 'instance_uuid')
    _index('fixed_ips', 'virtual_interface_id')
    _index('fixed_ips', 'host')
    _create(
        'floating_ips',
        _id(), *_timestamps_and_soft_delete(),
        sa.Column('address', IPAddress, nullable=True),
        _int('fixed_ip_id'), _str('project_id'), _str('host'),
        _bool('auto_assigned'), _str('pool'), _str('interface'),
        _pk('floating_ips'),
        _fk('floating_ips', 'fixed_ip_id', 'fixed_ips.id'),
        _uniq('floating_ips', 'address', 'deleted'),
    )
    _index('floating_ips', 'fixed_ip_id')
    _index('floating_ips', 'project_id')
    _index('floating_ips', 'pool', 'deleted')
    _index('floating_ips', 'host')


def _security_groups():
    _create(
        'security_groups',
        _id(), *_timestamps_and_soft_delete(),
        _str('name'), _str('description'), _str('user_id'),
        _str('project_id'),
        _pk('security_groups'),
        _uniq('security_groups', 'project_id', 'name', 'deleted'),
    )
    _create(
        'security_group_rules',
        _id(), *_timestamps_and_soft_delete(),
        _int('parent_group_id'), _str('protocol'),
        _int('from_port'), _int('to_port'),
        sa.Column('cidr', CIDR, nullable=True),
        _int('group_id'),
        _pk('security_group_rules'),
        _fk('security_group_rules', 'parent_group_id', 'security_groups.id'),
        _fk('security_group_rules', 'group_id', 'security_groups.id'),
    )
    _index('security_group_rules', 'parent_group_id')
    _index('security_group_rules', 'group_id')
    _create(
        'security_group_instance_association',
        _id(), *_timestamps_and_soft_delete(),
        _int('security_group_id'), _str('instance_uuid', 36),
        _pk('security_group_instance_association'),
        _fk('security_group_instance_association', 'security_group_id',
            'security_groups.id'),
        _fk('security_group_instance_association', 'instance_uuid',
            'instances.uuid'),
    )
    _index('security_group_instance_association', 'security_group_id')
    _index('security_group_instance_association', 'instance_uuid')
    _create(
        'security_group_default_rules',
        _id(), *_timestamps_and_soft_delete(),
        _str('protocol', 5), _int('from_port'), _int('to_port'),
        sa.Column('cidr', CIDR, nullable=True),
        _pk('security_group_default_rules'),
    )


def _volumes():
    _create(
        'volumes',
        _uuid_id(), *_timestamps_and_soft_delete(),
        _int('ec2_id'), _str('user_id'), _str('project_id'), _str('host'),
        _int('size'), _str('availability_zone'), _str('instance_uuid', 36),
        _str('mountpoint'), _datetime('attach_time'), _str('status'),
        _str('attach_status'), _datetime('scheduled_at'),
        _datetime('launched_at'), _datetime('terminated_at'),
        _str('display_name'), _str('display_description'),
        _str('provider_location'), _str('provider_auth'),
        _str('snapshot_id', 36), _int('volume_type_id'),
        _str('image_id', 36),
        _pk('volumes'),
    )
    _index('volumes', 'instance_uuid')
    _index('volumes', 'project_id')
    _index('volumes', 'host')
    _create(
        'snapshots',
        _uuid_id(), *_timestamps_and_soft_delete(),
        _str('volume_id', 36, nullable=False), _str('user_id'),
        _str('project_id'), _str('status'), _str('progress'),
        _int('volume_size'), _datetime('scheduled_at'),
        _str('display_name'), _str('display_description'),
        _str('provider_location'),
        _pk('snapshots'),
    )
    _index('snapshots', 'volume_id')
    _index('snapshots', 'project_id')
    _create(
        'block_device_mapping',
        _id(), *_timestamps_and_soft_delete(),
        _str('uuid', 36), _str('instance_uuid', 36),
        _str('source_type'), _str('destination_type'), _str('guest_format'),
        _str('device_type'), _str('disk_bus'), _int('boot_index'),
        _str('device_name'), _bool('delete_on_termination'),
        _str('snapshot_id', 36), _str('volume_id', 36), _int('volume_size'),
        _str('image_id', 36), _bool('no_device'),
        sa.Column('connection_info', MediumText, nullable=True),
        _str('tag'),
        _pk('block_device_mapping'),
        _fk('block_device_mapping', 'instance_uuid', 'instances.uuid'),
        _uniq('block_device_mapping', 'uuid'),
    )
    _index('block_device_mapping', 'instance_uuid', 'device_name')
    _index('block_device_mapping', 'instance_uuid', 'volume_id')
    _index('block_device_mapping', 'snapshot_id')
    _index('block_device_mapping', 'volume_id')


def _images():
    _create(
        'images',
        _uuid_id(), *_timestamps_and_soft_delete(),
        _str('name'), _str('status', 30, nullable=False),
        sa.Column('visibility',
                  sa.Enum('private', 'public', 'shared', 'community',
                          name='image_visibility'),
                  nullable=False),
        _str('disk_format', 20), _str('container_format', 20),
        sa.Column('size', sa.BigInteger(), nullable=True),
        sa.Column('virtual_size', sa.BigInteger(), nullable=True),
        _str('checksum', 32), _str('os_hash_algo', 64),
        _str('os_hash_value', 128),
        _int('min_disk', nullable=False), _int('min_ram', nullable=False),
        _bool('protected', nullable=False), _str('owner'),
        _pk('images'),
    )
    for column in ('checksum', 'owner', 'status', 'visibility',
                   'os_hash_value'):
        _index('images', column)
    _create(
        'image_properties',
        _id(), *_timestamps_and_soft_delete(),
        _str('image_id', 36, nullable=False), _str('name', nullable=False),
        sa.Column('value', sa.Text(), nullable=True),
        _pk('image_properties'),
        _fk('image_properties', 'image_id', 'images.id'),
        _uniq('image_properties', 'image_id', 'name', 'deleted'),
    )
    _create(
        'image_tags',
        _id(), *_timestamps_and_soft_delete(),
        _str('image_id', 36, nullable=False), _str('value', nullable=False),
        _pk('image_tags'),
        _fk('image_tags', 'image_id', 'images.id'),
    )
    _index('image_tags', 'image_id', 'value')
    _create(
        'image_members',
        _id(), *_timestamps_and_soft_delete(),
        _str('image_id', 36, nullable=False), _str('member', nullable=False),
        _bool('can_share', nullable=False),
        _str('status', 20, nullable=False),
        _pk('image_members'),
        _fk('image_members', 'image_id', 'images.id'),
        _uniq('image_members', 'image_id', 'member', 'deleted'),
    )
    _create(
        'image_locations',
        _id(), *_timestamps_and_soft_delete(),
        _str('image_id', 36, nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('meta_data', sa.Text(), nullable=True),
        _str('status', 30, nullable=False),
        _pk('image_locations'),
        _fk('image_locations', 'image_id', 'images.id'),
    )
    _index('image_locations', 'image_id')


def _ec2_ids():
    for table in ('ec2_instances', 's3_images', 'ec2_volumes',
                  'ec2_snapshots'):
        _create(
            table,
            _id(), *_timestamps_and_soft_delete(),
            _str('uuid', 36, nullable=False),
            _pk(table),
            _uniq(table, 'uuid'),
        )
