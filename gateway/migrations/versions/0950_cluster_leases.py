"""cluster leases: one holder at a time for a named lease, and each background job's schedule across the cluster

Revision ID: 0950
Revises: 0940
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.models import UTCDateTime

revision = '0950'
down_revision = '0970'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'cluster_leases',
        sa.Column('name', sa.String(64), primary_key=True),
        sa.Column('holder', sa.String(128), nullable=True),
        sa.Column('token', sa.BigInteger, nullable=False, server_default='0'),
        sa.Column('taken_at', UTCDateTime(), nullable=True),
        sa.Column('expires_at', UTCDateTime(), nullable=True),
        sa.Column('next_due_at', UTCDateTime(), nullable=True),
        sa.Column('last_done_at', UTCDateTime(), nullable=True),
        sa.Column('last_done_by', sa.String(128), nullable=True),
    )


def downgrade() -> None:
    op.drop_table('cluster_leases')
