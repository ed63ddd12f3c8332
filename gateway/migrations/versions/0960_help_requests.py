"""help requests: call staff from a kiosk (issue 21)

Revision ID: 0960
Revises: 0940
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0960'
down_revision = '0940'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('help_requests',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('site_kind', sa.String(length=16), nullable=False),
    sa.Column('location', sa.String(length=64), nullable=False),
    sa.Column('step', sa.String(length=120), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('wait_s', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_help_requests_open', 'help_requests', ['closed_at', 'raised_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_help_requests_open', table_name='help_requests')
    op.drop_table('help_requests')
