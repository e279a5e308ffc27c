"""referral rollups: the dashboards' funnel figures per alliance, Shanghai day and referrer → receiver pair

Revision ID: 0033
Revises: 0029
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lianmeng.db import UTCDateTime

revision: str = '0033'
down_revision: str | None = '0032'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ('issued', 'claimed', 'sealed_issued', 'sealed_claimed', 'arrived', 'converted')
FEN = ('first_order_fen', 'discount_fen', 'benefit_cost_fen')
MORE_COUNTS = ('costed_at_value',)
MORE_FEN = ('commission_fen', 'staff_incentive_fen')
LAST_COUNTS = ('ratings', 'rating_sum', 'complaints')


def upgrade() -> None:
    columns = [sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS]
    columns += [sa.Column(name, sa.BigInteger(), nullable=False) for name in FEN]
    columns += [sa.Column(name, sa.Integer(), nullable=False) for name in MORE_COUNTS]
    columns += [sa.Column(name, sa.BigInteger(), nullable=False) for name in MORE_FEN]
    columns += [sa.Column(name, sa.Integer(), nullable=False) for name in LAST_COUNTS]
    op.create_table(
        'referral_daily',
        sa.Column('alliance_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('referrer_id', sa.Integer(), nullable=False),
        sa.Column('receiver_id', sa.Integer(), nullable=False),
        *columns,
        sa.Column('revenue_fen', sa.BigInteger(), nullable=False),
        sa.Column('revenue_orders', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_referral_daily_alliance_id_alliances')),
        sa.PrimaryKeyConstraint('alliance_id', 'day', 'referrer_id', 'receiver_id', name=op.f('pk_referral_daily')),
    )
    op.create_index('ix_referral_daily_referrer', 'referral_daily', ['alliance_id', 'referrer_id', 'day'])
    op.create_index('ix_referral_daily_receiver', 'referral_daily', ['alliance_id', 'receiver_id', 'day'])
    op.create_table(
        'referral_rollup_state',
        sa.Column('alliance_id', sa.Integer(), nullable=False),
        sa.Column('as_of', UTCDateTime(), nullable=False),
        sa.Column('built_at', UTCDateTime(), nullable=False),
        sa.Column('days_refreshed', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'],
                                name=op.f('fk_referral_rollup_state_alliance_id_alliances')),
        sa.PrimaryKeyConstraint('alliance_id', name=op.f('pk_referral_rollup_state')),
    )
    op.create_index('ix_coupons_claimed_at', 'coupons', ['claimed_at'])
    op.create_index('ix_refunds_created_at', 'refunds', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_refunds_created_at', table_name='refunds')
    op.drop_index('ix_coupons_claimed_at', table_name='coupons')
    op.drop_table('referral_rollup_state')
    op.drop_index('ix_referral_daily_receiver', table_name='referral_daily')
    op.drop_index('ix_referral_daily_referrer', table_name='referral_daily')
    op.drop_table('referral_daily')
