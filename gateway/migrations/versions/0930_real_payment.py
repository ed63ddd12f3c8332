"""real payment: channel, payment code (缴款码), provider transaction and query state on each order; refunds, seen
notification ids and daily reconciliations

Revision ID: 0930
Revises: 0920
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.models import UTCDateTime

revision = '0930'
down_revision = '0920'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payment_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('payment_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('transaction_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('paid_amount_fen', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('queried_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('settled', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_unique_constraint('uq_payment_orders_payment_code', ['payment_code'])
    op.create_table('payment_refunds',
    sa.Column('refund_id', sa.String(length=32), nullable=False),
    sa.Column('order_id', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('transaction_id', sa.String(length=64), nullable=True),
    sa.Column('provider_refund_ref', sa.String(length=96), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['payment_orders.order_id'], ),
    sa.PrimaryKeyConstraint('refund_id')
    )
    op.create_index('ix_payment_refunds_order_id', 'payment_refunds', ['order_id'], unique=False)
    op.create_table('payment_notifications_seen',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('notification_id', sa.String(length=96), nullable=False),
    sa.Column('order_id', sa.String(length=32), nullable=False),
    sa.Column('received_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'notification_id')
    )
    op.create_table('payment_reconciliations',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('ran_at', UTCDateTime(), nullable=False),
    sa.Column('lines', sa.Integer(), nullable=False),
    sa.Column('differences', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'day')
    )


def downgrade() -> None:
    op.drop_table('payment_reconciliations')
    op.drop_table('payment_notifications_seen')
    op.drop_index('ix_payment_refunds_order_id', table_name='payment_refunds')
    op.drop_table('payment_refunds')
    with op.batch_alter_table('payment_orders', schema=None) as batch_op:
        batch_op.drop_constraint('uq_payment_orders_payment_code', type_='unique')
        for column in ('settled', 'queried_at', 'paid_amount_fen', 'transaction_id', 'payment_code', 'channel'):
            batch_op.drop_column(column)
