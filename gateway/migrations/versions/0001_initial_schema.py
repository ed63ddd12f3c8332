"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 03:34:40.164663
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.models  # UTCDateTime, the column type every timestamp uses

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=80), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('idempotency_records',
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('created_at', gateway.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('kiosk_id', 'scope', 'key')
    )
    op.create_table('kiosk_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('received_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kiosk_id', 'idempotency_key', name='uq_kiosk_events_key')
    )
    op.create_table('kiosks',
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('site_kind', sa.String(length=16), nullable=False),
    sa.Column('api_key_hash', sa.String(length=64), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('last_heartbeat_at', gateway.models.UTCDateTime(), nullable=True),
    sa.Column('devices', sa.JSON(), nullable=True),
    sa.Column('stock', sa.JSON(), nullable=True),
    sa.Column('outbox_depth', sa.Integer(), nullable=True),
    sa.Column('version', sa.String(length=64), nullable=True),
    sa.Column('uptime_s', sa.Double(), nullable=True),
    sa.Column('heartbeat_extra', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('kiosk_id'),
    sa.UniqueConstraint('api_key_hash')
    )
    op.create_table('persons',
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('card_type', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('portrait_file', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('id_number')
    )
    op.create_table('proofs',
    sa.Column('proof_id', sa.String(length=32), nullable=False),
    sa.Column('verification_code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('holder_name', sa.String(length=64), nullable=False),
    sa.Column('office', sa.String(length=120), nullable=False),
    sa.Column('issued_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('properties', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('proof_id'),
    sa.UniqueConstraint('verification_code')
    )
    op.create_table('rate_windows',
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kiosk_id', 'window_start')
    )
    op.create_table('signing_keys',
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('private_key', sa.LargeBinary(), nullable=False),
    sa.Column('public_key_b64', sa.String(length=64), nullable=False),
    sa.Column('created_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('key_id')
    )
    op.create_table('sms_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('template', sa.String(length=64), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('sent_at', gateway.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('applicant_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('issued_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('expires_at', gateway.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.kiosk_id'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('applicant_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applicant_tokens_expires_at'), ['expires_at'], unique=False)

    op.create_table('cases',
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('time_limit_working_days', sa.Integer(), nullable=False),
    sa.Column('extension_working_days', sa.Integer(), nullable=False),
    sa.Column('extension_reason', sa.String(length=200), nullable=True),
    sa.Column('rejection_reason', sa.String(length=200), nullable=True),
    sa.Column('property_address', sa.String(length=200), nullable=False),
    sa.Column('area_m2', sa.String(length=16), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('first_home', sa.Boolean(), nullable=False),
    sa.Column('certificate_no', sa.String(length=64), nullable=True),
    sa.Column('certificate_serial', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['id_number'], ['persons.id_number'], ),
    sa.PrimaryKeyConstraint('case_id')
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_id_number'), ['id_number'], unique=False)

    op.create_table('kiosk_commands',
    sa.Column('command_id', sa.String(length=32), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('created_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('delivered_at', gateway.models.UTCDateTime(), nullable=True),
    sa.Column('done_at', gateway.models.UTCDateTime(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.kiosk_id'], ),
    sa.PrimaryKeyConstraint('command_id')
    )
    with op.batch_alter_table('kiosk_commands', schema=None) as batch_op:
        batch_op.create_index('ix_kiosk_commands_pending', ['kiosk_id', 'delivered_at'], unique=False)

    op.create_table('properties',
    sa.Column('property_id', sa.String(length=32), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('area_m2', sa.String(length=16), nullable=False),
    sa.Column('usage', sa.String(length=32), nullable=False),
    sa.Column('certificate_no', sa.String(length=64), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['id_number'], ['persons.id_number'], ),
    sa.PrimaryKeyConstraint('property_id')
    )
    with op.batch_alter_table('properties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_properties_id_number'), ['id_number'], unique=False)

    op.create_table('bank_submissions',
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('submitted_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('signed', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.case_id'], ),
    sa.PrimaryKeyConstraint('submission_id')
    )
    op.create_table('case_steps',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('at', gateway.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.case_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_steps_case_id'), ['case_id'], unique=False)

    op.create_table('locker_deposits',
    sa.Column('deposit_id', sa.String(length=32), nullable=False),
    sa.Column('locker_id', sa.String(length=64), nullable=False),
    sa.Column('compartment', sa.String(length=16), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('deposited_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('collected_at', gateway.models.UTCDateTime(), nullable=True),
    sa.Column('occupied_slot', sa.String(length=96), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.case_id'], ),
    sa.PrimaryKeyConstraint('deposit_id'),
    sa.UniqueConstraint('occupied_slot')
    )
    op.create_table('payment_orders',
    sa.Column('order_id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('expires_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('paid_at', gateway.models.UTCDateTime(), nullable=True),
    sa.Column('pay_secret_hash', sa.String(length=64), nullable=False),
    sa.Column('provider_ref', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.case_id'], ),
    sa.PrimaryKeyConstraint('order_id')
    )
    with op.batch_alter_table('payment_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_orders_case_id'), ['case_id'], unique=False)

    op.create_table('pickup_codes',
    sa.Column('code_id', sa.String(length=32), nullable=False),
    sa.Column('deposit_id', sa.String(length=32), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('digits_sha256', sa.String(length=64), nullable=False),
    sa.Column('expires_at', gateway.models.UTCDateTime(), nullable=False),
    sa.Column('used_at', gateway.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['deposit_id'], ['locker_deposits.deposit_id'], ),
    sa.PrimaryKeyConstraint('code_id')
    )


def downgrade() -> None:
    op.drop_table('pickup_codes')
    with op.batch_alter_table('payment_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_orders_case_id'))

    op.drop_table('payment_orders')
    op.drop_table('locker_deposits')
    with op.batch_alter_table('case_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_steps_case_id'))

    op.drop_table('case_steps')
    op.drop_table('bank_submissions')
    with op.batch_alter_table('properties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_properties_id_number'))

    op.drop_table('properties')
    with op.batch_alter_table('kiosk_commands', schema=None) as batch_op:
        batch_op.drop_index('ix_kiosk_commands_pending')

    op.drop_table('kiosk_commands')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_id_number'))

    op.drop_table('cases')
    with op.batch_alter_table('applicant_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicant_tokens_expires_at'))

    op.drop_table('applicant_tokens')
    op.drop_table('sms_messages')
    op.drop_table('signing_keys')
    op.drop_table('rate_windows')
    op.drop_table('proofs')
    op.drop_table('persons')
    op.drop_table('kiosks')
    op.drop_table('kiosk_events')
    op.drop_table('idempotency_records')
    op.drop_table('audit_log')
