"""issue 21: help requests (call staff), staff-assisted verification (staff of a hall, one-time staff QR codes,
their checks, the services a policy opens to them), 好差评 ratings and call-backs, queue tickets

Revision ID: 0960
Revises: 0940
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0960'
down_revision = '0945'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('help_requests',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('site_kind', sa.String(length=16), nullable=False),
    sa.Column('location', sa.String(length=64), nullable=False),
    sa.Column('step', sa.String(length=120), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('wait_s', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_help_requests_open', 'help_requests', ['closed_at', 'raised_at'], unique=False)
    op.create_table('assist_staff',
    sa.Column('staff_id', sa.String(length=32), nullable=False),
    sa.Column('hall', sa.String(length=64), nullable=False),
    sa.Column('card_key', sa.String(length=64), nullable=True),
    sa.Column('pin_hash', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('staff_id'),
    sa.UniqueConstraint('card_key')
    )
    op.create_table('assist_qr_codes',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.String(length=32), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('code_hash')
    )
    op.create_table('staff_assisted_checks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('reason_text', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_staff_assisted_checks_staff', 'staff_assisted_checks', ['staff_id', 'at'], unique=False)
    with op.batch_alter_table('identity_policies') as batch:
        batch.add_column(sa.Column('staff_assisted_services', sa.JSON(), nullable=True))
    op.create_table('service_ratings',
    sa.Column('rating_id', sa.String(length=36), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('hall', sa.String(length=64), nullable=False),
    sa.Column('service', sa.String(length=32), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('callback', sa.Boolean(), nullable=False),
    sa.Column('rated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('rating_id')
    )
    op.create_index('ix_service_ratings_at', 'service_ratings', ['rated_at'], unique=False)
    op.create_table('queue_tickets',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('hall', sa.String(length=64), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('business', sa.String(length=16), nullable=False),
    sa.Column('number', sa.String(length=8), nullable=False),
    sa.Column('appointment', sa.String(length=40), nullable=True),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('called_at', sa.DateTime(), nullable=True),
    sa.Column('called', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('appointment')
    )
    op.create_index('ix_queue_tickets_waiting', 'queue_tickets', ['hall', 'day', 'business', 'called'], unique=False)
    op.create_table('rating_callbacks',
    sa.Column('rating_id', sa.String(length=36), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('phone_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('rating_id')
    )


def downgrade() -> None:
    op.drop_table('rating_callbacks')
    op.drop_index('ix_queue_tickets_waiting', table_name='queue_tickets')
    op.drop_table('queue_tickets')
    op.drop_index('ix_service_ratings_at', table_name='service_ratings')
    op.drop_table('service_ratings')
    with op.batch_alter_table('identity_policies') as batch:
        batch.drop_column('staff_assisted_services')
    op.drop_index('ix_staff_assisted_checks_staff', table_name='staff_assisted_checks')
    op.drop_table('staff_assisted_checks')
    op.drop_table('assist_qr_codes')
    op.drop_table('assist_staff')
    op.drop_index('ix_help_requests_open', table_name='help_requests')
    op.drop_table('help_requests')
