"""pickup agents: persons registered to collect a case's certificate from a locker on the applicant's behalf

Revision ID: 0800
Revises: 0300
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.models import UTCDateTime

revision = '0800'
down_revision = '0300'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pickup_agents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('id_number', sa.String(length=32), nullable=False),
    sa.Column('registered_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.case_id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'id_number', name='uq_pickup_agents_case_person')
    )
    op.create_index('ix_pickup_agents_case_id', 'pickup_agents', ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_pickup_agents_case_id', table_name='pickup_agents')
    op.drop_table('pickup_agents')
