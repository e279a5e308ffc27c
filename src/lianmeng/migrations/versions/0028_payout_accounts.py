"""withdrawals: payout accounts (WeChat Pay, Alipay, bank card; encrypted with a masked copy) and the account a
withdrawal is paid to

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lianmeng.db

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('payout_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('owner_type', sa.String(length=12), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=12), nullable=False),
    sa.Column('holder_name', sa.String(length=60), nullable=False),
    sa.Column('bank_name', sa.String(length=60), nullable=False),
    sa.Column('account_enc', sa.String(length=300), nullable=False),
    sa.Column('account_masked', sa.String(length=80), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('removed_at', lianmeng.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_payout_accounts_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_payout_accounts_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_accounts'))
    )
    with op.batch_alter_table('payout_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_accounts_alliance_id'), ['alliance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payout_accounts_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payout_accounts_owner_id'), ['owner_id'], unique=False)

    with op.batch_alter_table('withdrawals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payout_account_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_withdrawals_payout_account_id_payout_accounts'), 'payout_accounts',
                                    ['payout_account_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('withdrawals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_withdrawals_payout_account_id_payout_accounts'), type_='foreignkey')
        batch_op.drop_column('payout_account_id')

    with op.batch_alter_table('payout_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_accounts_owner_id'))
        batch_op.drop_index(batch_op.f('ix_payout_accounts_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_payout_accounts_alliance_id'))

    op.drop_table('payout_accounts')
