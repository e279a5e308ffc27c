"""sharing a package (group buy): distribution terms on the offer, the sharer and their reward on the seat
(issue 18 item 2)

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-07 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lianmeng.db

revision: str = '0046'
down_revision: str | None = '0045'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('group_buy_offers') as batch:
        batch.add_column(sa.Column('share_points', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('share_cap_per_month', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('share_return_window_days', sa.Integer(), server_default='7', nullable=False))
    with op.batch_alter_table('group_buy_seats') as batch:
        batch.add_column(sa.Column('shared_by_member_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('share_reward', sa.BigInteger(), server_default='0', nullable=False))
        batch.add_column(sa.Column('share_reversed', sa.BigInteger(), server_default='0', nullable=False))
        batch.add_column(sa.Column('share_status', sa.String(length=12), nullable=True))
        batch.add_column(sa.Column('share_earned_at', lianmeng.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('share_releases_at', lianmeng.db.UTCDateTime(timezone=True), nullable=True))
        batch.create_index(batch.f('ix_group_buy_seats_shared_by_member_id'), ['shared_by_member_id'])
        batch.create_index(batch.f('ix_group_buy_seats_share_releases_at'), ['share_releases_at'])


def downgrade() -> None:
    with op.batch_alter_table('group_buy_seats') as batch:
        batch.drop_index(batch.f('ix_group_buy_seats_share_releases_at'))
        batch.drop_index(batch.f('ix_group_buy_seats_shared_by_member_id'))
        for column in ('share_releases_at', 'share_earned_at', 'share_status', 'share_reversed', 'share_reward',
                       'shared_by_member_id'):
            batch.drop_column(column)
    with op.batch_alter_table('group_buy_offers') as batch:
        for column in ('share_return_window_days', 'share_cap_per_month', 'share_points'):
            batch.drop_column(column)
