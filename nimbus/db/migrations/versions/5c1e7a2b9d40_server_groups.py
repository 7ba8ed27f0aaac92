"""Server groups: instance_groups and instance_group_member.

Revision ID: 5c1e7a2b9d40
Revises: 0902e0c6a848
Create Date: 2026-12-06 10:30:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '5c1e7a2b9d40'
down_revision = '0902e0c6a848'
branch_labels = None
depends_on = None

MYSQL_TABLE_KWARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}
DateTime = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                      'mariadb')


def _common(table):
    """id, timestamps and soft delete, as every nimbus table has."""
    return [
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('created_at', DateTime, nullable=True),
        sa.Column('updated_at', DateTime, nullable=True),
        sa.Column('deleted_at', DateTime, nullable=True),
        sa.Column('deleted', sa.Integer(), nullable=False,
                  server_default='0'),
        sa.PrimaryKeyConstraint('id', name='pk_' + table),
    ]


def upgrade():
    op.create_table(
        'instance_groups', *_common('instance_groups'),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('user_id', sa.String(255), nullable=True),
        sa.Column('project_id', sa.String(255), nullable=True),
        sa.Column('policy', sa.String(255), nullable=False),
        sa.UniqueConstraint('uuid', 'deleted',
                            name='uniq_instance_groups0uuid0deleted'),
        **MYSQL_TABLE_KWARGS)
    op.create_index('ix_instance_groups_project_id', 'instance_groups',
                    ['project_id'])
    op.create_table(
        'instance_group_member', *_common('instance_group_member'),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['instance_groups.id'],
                                name='fk_instance_group_member_group_id'),
        **MYSQL_TABLE_KWARGS)
    op.create_index('ix_instance_group_member_group_id',
                    'instance_group_member', ['group_id'])
    op.create_index('ix_instance_group_member_instance_uuid',
                    'instance_group_member', ['instance_uuid'])


def downgrade():
    raise NotImplementedError('Downgrades are not supported.')
