"""identity decided by the gateway: encrypted reference encodings, verification attempts, per-kiosk policy, holds

Revision ID: 0910
Revises: 0400
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.models import UTCDateTime

revision = '0910'
down_revision = '0400'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reference_encodings',
    sa.Column('subject_key', sa.String(length=64), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('computed_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('subject_key')
    )
    op.create_table('identity_attempts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('subject_key', sa.String(length=64), nullable=False),
    sa.Column('matched', sa.Boolean(), nullable=False),
    sa.Column('evidence_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.kiosk_id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('evidence_digest')
    )
    op.create_index('ix_identity_attempts_kiosk_at', 'identity_attempts', ['kiosk_id', 'at'], unique=False)
    op.create_table('identity_policies',
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('methods', sa.JSON(), nullable=False),
    sa.Column('card_only_services', sa.JSON(), nullable=False),
    sa.Column('max_ids_per_hour', sa.Integer(), nullable=True),
    sa.Column('max_failures_per_hour', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.kiosk_id'], ),
    sa.PrimaryKeyConstraint('kiosk_id')
    )
    op.create_table('identity_holds',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('cap', sa.String(length=32), nullable=False),
    sa.Column('raised_at', UTCDateTime(), nullable=False),
    sa.Column('cleared_at', UTCDateTime(), nullable=True),
    sa.Column('cleared_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.kiosk_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_identity_holds_kiosk_id', 'identity_holds', ['kiosk_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_identity_holds_kiosk_id', table_name='identity_holds')
    op.drop_table('identity_holds')
    op.drop_table('identity_policies')
    op.drop_index('ix_identity_attempts_kiosk_at', table_name='identity_attempts')
    op.drop_table('identity_attempts')
    op.drop_table('reference_encodings')
