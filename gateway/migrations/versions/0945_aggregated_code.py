"""aggregated code: the channel a payment order was actually paid through

Revision ID: 0945
Revises: 0940
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0945'
down_revision = '0940'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payment_orders') as batch:
        batch.add_column(sa.Column('paid_channel', sa.String(length=16), nullable=True))
    op.execute("UPDATE payment_orders SET paid_channel = channel WHERE status = 'paid'")


def downgrade() -> None:
    with op.batch_alter_table('payment_orders') as batch:
        batch.drop_column('paid_channel')
