"""locker drop-off codes: a document an applicant drops into a locker for staff (issue 22)

Revision ID: 1020
Revises: 0996
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.models import UTCDateTime

revision = '1020'
down_revision = '0996'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dropoff_codes',
    sa.Column('code_id', sa.String(length=32), nullable=False),
    sa.Column('lookup', sa.String(length=8), nullable=True),
    sa.Column('secret_hash', sa.String(length=160), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('locker_id', sa.String(length=64), nullable=False),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('issued_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', UTCDateTime(), nullable=True),
    sa.Column('compartment', sa.String(length=16), nullable=True),
    sa.Column('occupied_slot', sa.String(length=96), nullable=True),
    sa.Column('collected_at', UTCDateTime(), nullable=True),
    sa.Column('collected_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.case_id']),
    sa.PrimaryKeyConstraint('code_id'),
    sa.UniqueConstraint('lookup'),
    sa.UniqueConstraint('occupied_slot')
    )
    op.create_index('ix_dropoff_codes_case_id', 'dropoff_codes', ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_dropoff_codes_case_id', table_name='dropoff_codes')
    op.drop_table('dropoff_codes')
