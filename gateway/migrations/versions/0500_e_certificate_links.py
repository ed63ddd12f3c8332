"""e-certificate links: short-lived, hashed download tokens for one case's e-certificate and contract

Revision ID: 0500
Revises: 0800
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.models import UTCDateTime

revision = '0500'
down_revision = '0800'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('e_certificate_links',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('downloads', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.case_id'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_index('ix_e_certificate_links_case_id', 'e_certificate_links', ['case_id'], unique=False)
    op.create_index('ix_e_certificate_links_expires_at', 'e_certificate_links', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_e_certificate_links_expires_at', table_name='e_certificate_links')
    op.drop_index('ix_e_certificate_links_case_id', table_name='e_certificate_links')
    op.drop_table('e_certificate_links')
