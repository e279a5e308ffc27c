"""dedup: duplicate candidates (dedup_candidates) and each alliance's thresholds and last run (dedup_settings)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 04:56:43.912404
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lianmeng.db

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dedup_settings',
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('review_threshold', sa.Float(), nullable=False),
    sa.Column('auto_threshold', sa.Float(), nullable=False),
    sa.Column('auto_merge', sa.Boolean(), nullable=False),
    sa.Column('last_run_at', lianmeng.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('members_at_last_run', sa.Integer(), nullable=False),
    sa.Column('pairs_found', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_dedup_settings_alliance_id_alliances')),
    sa.PrimaryKeyConstraint('alliance_id', name=op.f('pk_dedup_settings'))
    )
    op.create_table('dedup_candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('left_id', sa.Integer(), nullable=False),
    sa.Column('right_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', lianmeng.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('survivor_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('left_id < right_id', name=op.f('ck_dedup_candidates_ordered')),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_dedup_candidates_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['users.id'], name=op.f('fk_dedup_candidates_decided_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dedup_candidates')),
    sa.UniqueConstraint('alliance_id', 'kind', 'left_id', 'right_id', name=op.f('uq_dedup_candidates_alliance_id_kind_left_id_right_id'))
    )
    with op.batch_alter_table('dedup_candidates', schema=None) as batch_op:
        batch_op.create_index('ix_dedup_candidates_queue', ['alliance_id', 'status', 'score'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('dedup_candidates', schema=None) as batch_op:
        batch_op.drop_index('ix_dedup_candidates_queue')

    op.drop_table('dedup_candidates')
    op.drop_table('dedup_settings')
