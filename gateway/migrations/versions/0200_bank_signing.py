"""bank signing: bank staff with hashed PINs, staff tokens, prepared mortgage applications, parties, signatures

Revision ID: 0200
Revises: 0100
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.models  # UTCDateTime, the column type every timestamp uses

revision = '0200'
down_revision = '0100'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bank_staff',
    sa.Column('staff_id', sa.String(length=32), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=False),
    sa.Column('failed_pins', sa.Integer(), nullable=False),
    sa.Column('locked_until', gateway.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('staff_id')
    )
    op.create_index('ix_bank_staff_kiosk_id', 'bank_staff', ['kiosk_id'])
    op.create_table('bank_staff_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.String(length=32), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('expires_at', gateway.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['bank_staff.staff_id']),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_index('ix_bank_staff_tokens_expires_at', 'bank_staff_tokens', ['expires_at'])
    op.create_table('mortgage_applications',
    sa.Column('application_id', sa.String(length=32), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('bank_name', sa.String(length=120), nullable=False),
    sa.Column('property_address', sa.String(length=200), nullable=False),
    sa.Column('certificate_no', sa.String(length=64), nullable=False),
    sa.Column('area_m2', sa.String(length=16), nullable=False),
    sa.Column('loan_amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('prepared_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('closed_at', gateway.models.UTCDateTime(), nullable=True),
    sa.Column('decline_reason', sa.String(length=200), nullable=True),
    sa.Column('case_id', sa.String(length=32), nullable=True),
    sa.Column('reference', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('application_id')
    )
    op.create_index('ix_mortgage_applications_kiosk_id', 'mortgage_applications', ['kiosk_id'])
    op.create_table('mortgage_parties',
    sa.Column('application_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['mortgage_applications.application_id']),
    sa.PrimaryKeyConstraint('application_id', 'seq')
    )
    op.create_table('mortgage_signatures',
    sa.Column('application_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('signature_png', sa.LargeBinary(), nullable=False),
    sa.Column('signature_sha256', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('verified_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('signed_at', gateway.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['mortgage_applications.application_id']),
    sa.PrimaryKeyConstraint('application_id', 'seq')
    )


def downgrade() -> None:
    op.drop_table('mortgage_signatures')
    op.drop_table('mortgage_parties')
    op.drop_index('ix_mortgage_applications_kiosk_id', table_name='mortgage_applications')
    op.drop_table('mortgage_applications')
    op.drop_index('ix_bank_staff_tokens_expires_at', table_name='bank_staff_tokens')
    op.drop_table('bank_staff_tokens')
    op.drop_index('ix_bank_staff_kiosk_id', table_name='bank_staff')
    op.drop_table('bank_staff')
