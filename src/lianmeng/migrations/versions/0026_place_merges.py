"""merging: place merges (stores, prospects, merchants) and their events

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 12:34:12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lianmeng.db

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('place_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('survivor_id', sa.Integer(), nullable=False),
    sa.Column('absorbed_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=True),
    sa.Column('actor_kind', sa.String(length=12), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('merged_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('moved', sa.JSON(), nullable=False),
    sa.Column('undone_at', lianmeng.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('undo_reason', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_place_merges_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_place_merges_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place_merges'))
    )
    with op.batch_alter_table('place_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_place_merges_absorbed_id'), ['absorbed_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_place_merges_alliance_id'), ['alliance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_place_merges_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_place_merges_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_place_merges_merged_at'), ['merged_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_place_merges_survivor_id'), ['survivor_id'], unique=False)

    op.create_table('place_merge_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merge_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('actor_kind', sa.String(length=12), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merge_id'], ['place_merges.id'], name=op.f('fk_place_merge_events_merge_id_place_merges')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place_merge_events'))
    )
    with op.batch_alter_table('place_merge_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_place_merge_events_merge_id'), ['merge_id'], unique=False)

    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_merchants_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_merchants_merged_into_id_merchants'), 'merchants', ['merged_into_id'], ['id'])

    with op.batch_alter_table('partner_candidates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_partner_candidates_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_partner_candidates_merged_into_id_partner_candidates'), 'partner_candidates', ['merged_into_id'], ['id'])

    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_stores_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_stores_merged_into_id_stores'), 'stores', ['merged_into_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stores_merged_into_id_stores'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_stores_merged_into_id'))
        batch_op.drop_column('merged_into_id')

    with op.batch_alter_table('partner_candidates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_partner_candidates_merged_into_id_partner_candidates'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_partner_candidates_merged_into_id'))
        batch_op.drop_column('merged_into_id')

    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_merchants_merged_into_id_merchants'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_merchants_merged_into_id'))
        batch_op.drop_column('merged_into_id')

    with op.batch_alter_table('place_merge_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_place_merge_events_merge_id'))

    op.drop_table('place_merge_events')
    with op.batch_alter_table('place_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_place_merges_survivor_id'))
        batch_op.drop_index(batch_op.f('ix_place_merges_merged_at'))
        batch_op.drop_index(batch_op.f('ix_place_merges_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_place_merges_kind'))
        batch_op.drop_index(batch_op.f('ix_place_merges_alliance_id'))
        batch_op.drop_index(batch_op.f('ix_place_merges_absorbed_id'))
    op.drop_table('place_merges')
