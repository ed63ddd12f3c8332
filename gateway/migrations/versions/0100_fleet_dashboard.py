"""fleet dashboard: staff users, staff sessions, fleet alerts, dashboard secrets

Revision ID: 0100
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.models  # UTCDateTime, the column type every timestamp uses

revision = '0100'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_users',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', gateway.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('username')
    )
    op.create_table('staff_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('expires_at', gateway.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['username'], ['staff_users.username'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_table('fleet_alerts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('raised_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('cleared_at', gateway.models.UTCDateTime(), nullable=True),
    sa.Column('acked_at', gateway.models.UTCDateTime(), nullable=True),
    sa.Column('acked_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_fleet_alerts_open', 'fleet_alerts', ['cleared_at', 'kiosk_id'], unique=False)
    op.create_table('dashboard_secrets',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('dashboard_secrets')
    op.drop_index('ix_fleet_alerts_open', table_name='fleet_alerts')
    op.drop_table('fleet_alerts')
    op.drop_table('staff_sessions')
    op.drop_table('staff_users')
