"""one-window applications and their parallel pushes to registration, housing and tax (issue 23)

Revision ID: 0996
Revises: 0980
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.models import UTCDateTime

revision = '0996'
down_revision = '0980'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('applications',
    sa.Column('application_no', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('business_code', sa.String(length=48), nullable=False),
    sa.Column('form_sealed', sa.Text(), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('review_round', sa.Integer(), nullable=False),
    sa.Column('correction_materials', sa.JSON(), nullable=True),
    sa.Column('correction_note_sealed', sa.Text(), nullable=True),
    sa.Column('correction_requested_at', UTCDateTime(), nullable=True),
    sa.Column('submitted_at', UTCDateTime(), nullable=False),
    sa.Column('reviewed_at', UTCDateTime(), nullable=True),
    sa.Column('reviewed_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.case_id'], ),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.kiosk_id'], ),
    sa.PrimaryKeyConstraint('application_no'),
    sa.UniqueConstraint('case_id')
    )
    op.create_index('ix_applications_kiosk_id', 'applications', ['kiosk_id'])
    op.create_index('ix_applications_status', 'applications', ['status'])
    op.create_table('application_pushes',
    sa.Column('application_no', sa.String(length=32), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.String(length=160), nullable=True),
    sa.Column('claimed_at', UTCDateTime(), nullable=True),
    sa.Column('done_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_no'], ['applications.application_no'], ),
    sa.PrimaryKeyConstraint('application_no', 'department')
    )


def downgrade() -> None:
    op.drop_table('application_pushes')
    op.drop_index('ix_applications_status', table_name='applications')
    op.drop_index('ix_applications_kiosk_id', table_name='applications')
    op.drop_table('applications')
