"""open alerts unique: at most one open alert per (kiosk, kind, subject), so every gateway process may raise them

Revision ID: 0400
Revises: 0700
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0400'
down_revision = '0700'
branch_labels = None
depends_on = None

OPEN = sa.text("cleared_at IS NULL")


def upgrade() -> None:
    # Two processes syncing alerts at once could each have raised the same one: keep the oldest open copy.
    op.execute("UPDATE fleet_alerts SET cleared_at = raised_at WHERE cleared_at IS NULL AND id NOT IN "
               "(SELECT MIN(id) FROM fleet_alerts WHERE cleared_at IS NULL GROUP BY kiosk_id, kind, subject)")
    op.create_index('ux_fleet_alerts_one_open', 'fleet_alerts', ['kiosk_id', 'kind', 'subject'], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade() -> None:
    op.drop_index('ux_fleet_alerts_one_open', table_name='fleet_alerts')
