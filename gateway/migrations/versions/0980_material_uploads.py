"""material uploads: resumable, chunked, verified by content hash (one-window application, issue 23)

Revision ID: 0980
Revises: 0940
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.models import UTCDateTime

revision = '0980'
down_revision = '0990'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('material_uploads',
    sa.Column('upload_id', sa.String(length=40), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('completed_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.kiosk_id'], ),
    sa.PrimaryKeyConstraint('upload_id')
    )
    op.create_index('uq_material_uploads_kiosk_hash', 'material_uploads', ['kiosk_id', 'sha256'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_material_uploads_kiosk_hash', table_name='material_uploads')
    op.drop_table('material_uploads')
