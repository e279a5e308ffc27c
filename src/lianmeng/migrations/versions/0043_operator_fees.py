"""operator fees: fee_settings, fee_waivers, fee_charges (joining and annual fees, the platform commission)

Revision ID: 0043
Revises: 0039
Create Date: 2026-12-07 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lianmeng.db import UTCDateTime

revision: str = '0043'
down_revision: str | None = '0039'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'fee_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alliance_id', sa.Integer(), nullable=False),
        sa.Column('joining_fee_fen', sa.BigInteger(), nullable=False),
        sa.Column('annual_fee_fen', sa.BigInteger(), nullable=False),
        sa.Column('free_months', sa.Integer(), nullable=False),
        sa.Column('fees_start_on', sa.Date(), nullable=False),
        sa.Column('min_merchants', sa.Integer(), nullable=False),
        sa.Column('prorate_first_year', sa.Boolean(), nullable=False),
        sa.Column('commission_bp', sa.Integer(), nullable=False),
        sa.Column('commission_base', sa.String(length=12), nullable=False),
        sa.Column('updated_by', sa.String(length=80), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('commission_bp >= 0 AND commission_bp <= 3000',
                           name=op.f('ck_fee_settings_commission_bp_range')),
        sa.CheckConstraint('joining_fee_fen >= 0 AND annual_fee_fen >= 0', name=op.f('ck_fee_settings_fees_nonnegative')),
        sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_fee_settings_alliance_id_alliances')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_settings')),
        sa.UniqueConstraint('alliance_id', name=op.f('uq_fee_settings_alliance_id')),
    )
    op.create_table(
        'fee_waivers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alliance_id', sa.Integer(), nullable=False),
        sa.Column('merchant_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_fee_waivers_alliance_id_alliances')),
        sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_fee_waivers_merchant_id_merchants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_waivers')),
    )
    op.create_index(op.f('ix_fee_waivers_alliance_id'), 'fee_waivers', ['alliance_id'])
    op.create_index(op.f('ix_fee_waivers_merchant_id'), 'fee_waivers', ['merchant_id'])
    op.create_table(
        'fee_charges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alliance_id', sa.Integer(), nullable=False),
        sa.Column('merchant_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('period', sa.String(length=8), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('base_fen', sa.BigInteger(), nullable=False),
        sa.Column('rate_bp', sa.Integer(), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('waiver_id', sa.Integer(), nullable=True),
        sa.Column('posting_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_fee_charges_alliance_id_alliances')),
        sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_fee_charges_merchant_id_merchants')),
        sa.ForeignKeyConstraint(['posting_id'], ['ledger_postings.id'],
                                name=op.f('fk_fee_charges_posting_id_ledger_postings')),
        sa.ForeignKeyConstraint(['waiver_id'], ['fee_waivers.id'], name=op.f('fk_fee_charges_waiver_id_fee_waivers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_charges')),
        sa.UniqueConstraint('alliance_id', 'merchant_id', 'kind', 'period',
                            name=op.f('uq_fee_charges_alliance_id_merchant_id_kind_period')),
    )
    op.create_index(op.f('ix_fee_charges_alliance_id'), 'fee_charges', ['alliance_id'])
    op.create_index(op.f('ix_fee_charges_merchant_id'), 'fee_charges', ['merchant_id'])
    op.create_index(op.f('ix_fee_charges_month'), 'fee_charges', ['month'])


def downgrade() -> None:
    op.drop_index(op.f('ix_fee_charges_month'), table_name='fee_charges')
    op.drop_index(op.f('ix_fee_charges_merchant_id'), table_name='fee_charges')
    op.drop_index(op.f('ix_fee_charges_alliance_id'), table_name='fee_charges')
    op.drop_table('fee_charges')
    op.drop_index(op.f('ix_fee_waivers_merchant_id'), table_name='fee_waivers')
    op.drop_index(op.f('ix_fee_waivers_alliance_id'), table_name='fee_waivers')
    op.drop_table('fee_waivers')
    op.drop_table('fee_settings')
