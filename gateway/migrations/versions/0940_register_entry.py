"""register entry: the whole 查档 of a property (unit number, share, right, term) and its restrictions in force;
the purpose printed on a proof

Revision ID: 0940
Revises: 0930
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0940'
down_revision = '0930'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('properties') as batch:
        batch.add_column(sa.Column('unit_no', sa.String(length=28), nullable=True))
        batch.add_column(sa.Column('share', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('right_type', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('term_start', sa.Date(), nullable=True))
        batch.add_column(sa.Column('term_end', sa.Date(), nullable=True))
        batch.create_unique_constraint('uq_properties_unit_no', ['unit_no'])
    op.create_table('property_restrictions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('property_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=True),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('in_force', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['property_id'], ['properties.property_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_property_restrictions_property_id', 'property_restrictions', ['property_id'], unique=False)
    with op.batch_alter_table('proofs') as batch:
        batch.add_column(sa.Column('purpose', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('proofs') as batch:
        batch.drop_column('purpose')
    op.drop_index('ix_property_restrictions_property_id', table_name='property_restrictions')
    op.drop_table('property_restrictions')
    with op.batch_alter_table('properties') as batch:
        batch.drop_constraint('uq_properties_unit_no', type_='unique')
        for column in ('term_end', 'term_start', 'right_type', 'share', 'unit_no'):
            batch.drop_column(column)
