"""kiosk audit head: the newest (sequence, hash) of each kiosk's own audit log, as its heartbeats report it, so the
gateway can refuse a log that went backwards (records deleted and an older sealed head restored)

Revision ID: 0920
Revises: 0910
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0920'
down_revision = '0910'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('kiosks') as batch:
        batch.add_column(sa.Column('audit_head', sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('kiosks') as batch:
        batch.drop_column('audit_head')
