"""audit head seal: audit_chain_head.seal holds an HMAC of the head, so a truncated tail cannot be hidden

Revision ID: 0700
Revises: 0500
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0700'
down_revision = '0500'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_chain_head') as batch:
        batch.add_column(sa.Column('seal', sa.String(length=160), nullable=True))
    from gateway.audit_chain import seal_head

    seal_head(op.get_bind())  # with the key this process was given (the app factory / CLI set it first)


def downgrade() -> None:
    with op.batch_alter_table('audit_chain_head') as batch:
        batch.drop_column('seal')
