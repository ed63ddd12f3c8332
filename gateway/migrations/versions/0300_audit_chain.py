"""audit chain: audit_log entries carry seq, prev_hash and hash; audit_chain_head holds the newest

Revision ID: 0300
Revises: 0200
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0300'
down_revision = '0200'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
        batch.create_unique_constraint('uq_audit_log_seq', ['seq'])
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    from gateway.audit_chain import chain_existing

    chain_existing(op.get_bind())


def downgrade() -> None:
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_constraint('uq_audit_log_seq', type_='unique')
        batch.drop_column('hash')
        batch.drop_column('prev_hash')
        batch.drop_column('seq')
