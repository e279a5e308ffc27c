"""merging: member merges with what moved, their events, tombstones

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 04:52:52
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lianmeng.db

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('member_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
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
    sa.ForeignKeyConstraint(['absorbed_id'], ['members.id'], name=op.f('fk_member_merges_absorbed_id_members')),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_member_merges_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_member_merges_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['survivor_id'], ['members.id'], name=op.f('fk_member_merges_survivor_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_merges'))
    )
    with op.batch_alter_table('member_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_merges_absorbed_id'), ['absorbed_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_merges_alliance_id'), ['alliance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_merges_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_merges_merged_at'), ['merged_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_merges_survivor_id'), ['survivor_id'], unique=False)

    op.create_table('member_merge_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merge_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('actor_kind', sa.String(length=12), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merge_id'], ['member_merges.id'], name=op.f('fk_member_merge_events_merge_id_member_merges')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_merge_events'))
    )
    with op.batch_alter_table('member_merge_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_merge_events_merge_id'), ['merge_id'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_members_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_members_merged_into_id_members'), 'members', ['merged_into_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_members_merged_into_id_members'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_members_merged_into_id'))
        batch_op.drop_column('merged_into_id')

    with op.batch_alter_table('member_merge_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_merge_events_merge_id'))

    op.drop_table('member_merge_events')
    with op.batch_alter_table('member_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_merges_survivor_id'))
        batch_op.drop_index(batch_op.f('ix_member_merges_merged_at'))
        batch_op.drop_index(batch_op.f('ix_member_merges_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_member_merges_alliance_id'))
        batch_op.drop_index(batch_op.f('ix_member_merges_absorbed_id'))
    op.drop_table('member_merges')
