"""fleet operations II: central configuration (site profiles and kiosk overrides, versioned; kiosk sites, effective
overlays, desired), software releases and their rollouts, work orders, site opening hours, kiosk screenshots

Revision ID: 0990
Revises: 0940
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.models import UTCDateTime

revision = '0990'
down_revision = '0950'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('config_revisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_config_revisions_scope', 'config_revisions', ['scope', 'id'], unique=False)
    op.create_table('kiosk_config_sites',
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('site', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('kiosk_id')
    )
    op.create_table('config_effective',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('overlay', sa.JSON(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('kiosk_config_desired',
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('kiosk_id')
    )
    op.create_table('releases',
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('manifest', sa.JSON(), nullable=False),
    sa.Column('bundle', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_at', UTCDateTime(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('version')
    )
    op.create_table('rollouts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('stages', sa.JSON(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('commands', sa.JSON(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )

    op.create_table('work_orders',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('cause', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('opened_at', UTCDateTime(), nullable=False),
    sa.Column('assigned_to', sa.String(length=64), nullable=True),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('resolved_at', UTCDateTime(), nullable=True),
    sa.Column('resolved_by', sa.String(length=64), nullable=True),
    sa.Column('closed_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_work_orders_open', 'work_orders', ['closed_at', 'kiosk_id'], unique=False)
    op.create_table('site_hours',
    sa.Column('site', sa.String(length=64), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('hours', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('site')
    )

    op.create_table('kiosk_screenshots',
    sa.Column('request_id', sa.String(length=32), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('command_id', sa.String(length=32), nullable=False),
    sa.Column('requested_at', UTCDateTime(), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('taken_at', UTCDateTime(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('png', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('request_id')
    )
    op.create_index('ix_kiosk_screenshots_kiosk_id', 'kiosk_screenshots', ['kiosk_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_kiosk_screenshots_kiosk_id', table_name='kiosk_screenshots')
    op.drop_table('kiosk_screenshots')
    op.drop_table('site_hours')
    op.drop_index('ix_work_orders_open', table_name='work_orders')
    op.drop_table('work_orders')
    op.drop_table('rollouts')
    op.drop_table('releases')
    op.drop_table('kiosk_config_desired')
    op.drop_table('config_effective')
    op.drop_table('kiosk_config_sites')
    op.drop_index('ix_config_revisions_scope', table_name='config_revisions')
    op.drop_table('config_revisions')
