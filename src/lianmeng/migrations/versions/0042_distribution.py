"""distribution (分销): offers' sharing terms, the rewards friends' first orders earn their sharers; member share
links on coupon_claim_links (sharer_member_id), the sharing member on coupons (referrer_member_id); a member's
rebate has no agreement (rebates.agreement_id nullable)

Revision ID: 0042
Revises: 0039
Create Date: 2026-12-07 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lianmeng.db import UTCDateTime

revision: str = '0042'
down_revision: str | None = '0044'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'distribution_terms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alliance_id', sa.Integer(), nullable=False),
        sa.Column('template_id', sa.Integer(), nullable=False),
        sa.Column('merchant_id', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('reward_kind', sa.String(length=10), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=True),
        sa.Column('rate_bp', sa.Integer(), nullable=True),
        sa.Column('min_order_fen', sa.BigInteger(), nullable=False),
        sa.Column('window_days', sa.Integer(), nullable=False),
        sa.Column('cap_per_month', sa.BigInteger(), nullable=True),
        sa.Column('return_window_days', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'],
                                name=op.f('fk_distribution_terms_alliance_id_alliances')),
        sa.ForeignKeyConstraint(['template_id'], ['coupon_templates.id'],
                                name=op.f('fk_distribution_terms_template_id_coupon_templates')),
        sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'],
                                name=op.f('fk_distribution_terms_merchant_id_merchants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_distribution_terms')),
        sa.UniqueConstraint('template_id', 'alliance_id', name=op.f('uq_distribution_terms_template_id_alliance_id')),
    )
    op.create_index(op.f('ix_distribution_terms_alliance_id'), 'distribution_terms', ['alliance_id'], unique=False)
    op.create_index(op.f('ix_distribution_terms_merchant_id'), 'distribution_terms', ['merchant_id'], unique=False)
    op.create_table(
        'distribution_rewards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alliance_id', sa.Integer(), nullable=False),
        sa.Column('terms_id', sa.Integer(), nullable=False),
        sa.Column('template_id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('coupon_id', sa.Integer(), nullable=False),
        sa.Column('sharer_member_id', sa.Integer(), nullable=False),
        sa.Column('friend_member_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('payer_merchant_id', sa.Integer(), nullable=False),
        sa.Column('reward_kind', sa.String(length=10), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('reversed', sa.BigInteger(), nullable=False),
        sa.Column('rebate_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('releases_at', UTCDateTime(), nullable=False),
        sa.Column('released_at', UTCDateTime(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('amount > 0', name=op.f('ck_distribution_rewards_amount_positive')),
        sa.CheckConstraint('reversed >= 0 AND reversed <= amount',
                           name=op.f('ck_distribution_rewards_reversed_within_amount')),
        sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'],
                                name=op.f('fk_distribution_rewards_alliance_id_alliances')),
        sa.ForeignKeyConstraint(['terms_id'], ['distribution_terms.id'],
                                name=op.f('fk_distribution_rewards_terms_id_distribution_terms')),
        sa.ForeignKeyConstraint(['template_id'], ['coupon_templates.id'],
                                name=op.f('fk_distribution_rewards_template_id_coupon_templates')),
        sa.ForeignKeyConstraint(['link_id'], ['coupon_claim_links.id'],
                                name=op.f('fk_distribution_rewards_link_id_coupon_claim_links')),
        sa.ForeignKeyConstraint(['coupon_id'], ['coupons.id'], name=op.f('fk_distribution_rewards_coupon_id_coupons')),
        sa.ForeignKeyConstraint(['sharer_member_id'], ['members.id'],
                                name=op.f('fk_distribution_rewards_sharer_member_id_members')),
        sa.ForeignKeyConstraint(['friend_member_id'], ['members.id'],
                                name=op.f('fk_distribution_rewards_friend_member_id_members')),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_distribution_rewards_order_id_orders')),
        sa.ForeignKeyConstraint(['payer_merchant_id'], ['merchants.id'],
                                name=op.f('fk_distribution_rewards_payer_merchant_id_merchants')),
        sa.ForeignKeyConstraint(['rebate_id'], ['rebates.id'], name=op.f('fk_distribution_rewards_rebate_id_rebates')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_distribution_rewards')),
        sa.UniqueConstraint('friend_member_id', 'template_id', 'alliance_id',
                            name=op.f('uq_distribution_rewards_friend_member_id_template_id_alliance_id')),
    )
    for column in ('alliance_id', 'terms_id', 'template_id', 'sharer_member_id', 'order_id', 'status',
                   'releases_at', 'created_at'):
        op.create_index(op.f(f'ix_distribution_rewards_{column}'), 'distribution_rewards', [column], unique=False)
    with op.batch_alter_table('coupon_claim_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sharer_member_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_coupon_claim_links_sharer_member_id_members'), 'members',
                                    ['sharer_member_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_coupon_claim_links_sharer_member_id'), ['sharer_member_id'],
                              unique=False)
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referrer_member_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_coupons_referrer_member_id_members'), 'members',
                                    ['referrer_member_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_coupons_referrer_member_id'), ['referrer_member_id'], unique=False)
    with op.batch_alter_table('rebates', schema=None) as batch_op:
        batch_op.alter_column('agreement_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('rebates', schema=None) as batch_op:
        batch_op.alter_column('agreement_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coupons_referrer_member_id'))
        batch_op.drop_constraint(batch_op.f('fk_coupons_referrer_member_id_members'), type_='foreignkey')
        batch_op.drop_column('referrer_member_id')
    with op.batch_alter_table('coupon_claim_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coupon_claim_links_sharer_member_id'))
        batch_op.drop_constraint(batch_op.f('fk_coupon_claim_links_sharer_member_id_members'), type_='foreignkey')
        batch_op.drop_column('sharer_member_id')
    op.drop_table('distribution_rewards')
    op.drop_table('distribution_terms')
