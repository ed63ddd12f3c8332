"""certificates: printed copies per case, blank stock by serial, collection evidence, courier shipments, locker recalls (issue 22)

Revision ID: 0970
Revises: 0940
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.models import UTCDateTime

revision = '0970'
down_revision = '0960'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('certificate_copies',
    sa.Column('copy_id', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('certificate_no', sa.String(length=64), nullable=False),
    sa.Column('holder_name', sa.String(length=64), nullable=False),
    sa.Column('share', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('receive_method', sa.String(length=16), nullable=True),
    sa.Column('serial', sa.String(length=32), nullable=True),
    sa.Column('printed_at', UTCDateTime(), nullable=True),
    sa.Column('collected_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.case_id'], ),
    sa.PrimaryKeyConstraint('copy_id'),
    sa.UniqueConstraint('serial')
    )
    op.create_index('ix_certificate_copies_case_id', 'certificate_copies', ['case_id'], unique=False)
    op.create_table('certificate_blanks',
    sa.Column('serial', sa.String(length=32), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('copy_id', sa.String(length=40), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.kiosk_id'], ),
    sa.PrimaryKeyConstraint('serial')
    )
    op.create_index('ix_certificate_blanks_kiosk_id', 'certificate_blanks', ['kiosk_id'], unique=False)
    op.create_table('collection_evidence',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('copy_id', sa.String(length=40), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('face_image', sa.LargeBinary(), nullable=True),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('collected_at', UTCDateTime(), nullable=False),
    sa.Column('delete_after', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['copy_id'], ['certificate_copies.copy_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_collection_evidence_delete_after', 'collection_evidence', ['delete_after'], unique=False)
    op.create_table('certificate_shipments',
    sa.Column('waybill_no', sa.String(length=32), nullable=False),
    sa.Column('copy_id', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('address_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('closed_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['copy_id'], ['certificate_copies.copy_id'], ),
    sa.PrimaryKeyConstraint('waybill_no')
    )
    op.create_index('ix_certificate_shipments_copy_id', 'certificate_shipments', ['copy_id'], unique=False)
    op.create_table('locker_recalls',
    sa.Column('deposit_id', sa.String(length=32), nullable=False),
    sa.Column('reminded_at', UTCDateTime(), nullable=False),
    sa.Column('recalled_at', UTCDateTime(), nullable=True),
    sa.Column('staff_id', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['deposit_id'], ['locker_deposits.deposit_id'], ),
    sa.PrimaryKeyConstraint('deposit_id')
    )


def downgrade() -> None:
    op.drop_table('locker_recalls')
    op.drop_index('ix_certificate_shipments_copy_id', table_name='certificate_shipments')
    op.drop_table('certificate_shipments')
    op.drop_index('ix_collection_evidence_delete_after', table_name='collection_evidence')
    op.drop_table('collection_evidence')
    op.drop_index('ix_certificate_blanks_kiosk_id', table_name='certificate_blanks')
    op.drop_table('certificate_blanks')
    op.drop_index('ix_certificate_copies_case_id', table_name='certificate_copies')
    op.drop_table('certificate_copies')
