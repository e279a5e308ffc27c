"""overlap aggregates: pair counts, per-merchant bases, snapshot per alliance

Revision ID: 0014
Revises: 0017
Create Date: 2026-12-07 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lianmeng.db

revision: str = '0014'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('overlap_pairs',
    sa.Column('merchant_a_id', sa.Integer(), nullable=False),
    sa.Column('shared', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('merchant_b_id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('merchant_a_id < merchant_b_id', name=op.f('ck_overlap_pairs_ordered')),
    sa.PrimaryKeyConstraint('merchant_a_id', 'shared', 'merchant_b_id', name=op.f('pk_overlap_pairs'))
    )
    with op.batch_alter_table('overlap_pairs', schema=None) as batch_op:
        batch_op.create_index('ix_overlap_pairs_merchant_b_id_shared', ['merchant_b_id', 'shared'], unique=False)

    op.create_table('overlap_bases',
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('partners_shown', sa.Integer(), nullable=False),
    sa.Column('shown_total', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('alliance_id', 'merchant_id', name=op.f('pk_overlap_bases'))
    )
    op.create_table('overlap_snapshots',
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('computed_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('memberships', sa.Integer(), nullable=False),
    sa.Column('pairs', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_overlap_snapshots_alliance_id_alliances')),
    sa.PrimaryKeyConstraint('alliance_id', name=op.f('pk_overlap_snapshots'))
    )


def downgrade() -> None:
    op.drop_table('overlap_snapshots')
    op.drop_table('overlap_bases')
    with op.batch_alter_table('overlap_pairs', schema=None) as batch_op:
        batch_op.drop_index('ix_overlap_pairs_merchant_b_id_shared')

    op.drop_table('overlap_pairs')
