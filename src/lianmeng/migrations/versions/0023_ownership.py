"""ownership: members' owners per merchant (member_owners), their history, each merchant's pool terms

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 04:53:41
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lianmeng.db

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('member_owner_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('started_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('start_change', sa.String(length=20), nullable=False),
    sa.Column('started_by_user_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', lianmeng.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_change', sa.String(length=20), nullable=True),
    sa.Column('ended_by_user_id', sa.Integer(), nullable=True),
    sa.Column('other_member_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_member_owner_history_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['ended_by_user_id'], ['users.id'], name=op.f('fk_member_owner_history_ended_by_user_id_users')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_owner_history_member_id_members')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_member_owner_history_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['other_member_id'], ['members.id'], name=op.f('fk_member_owner_history_other_member_id_members')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_member_owner_history_staff_id_staff')),
    sa.ForeignKeyConstraint(['started_by_user_id'], ['users.id'], name=op.f('fk_member_owner_history_started_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_owner_history'))
    )
    with op.batch_alter_table('member_owner_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_owner_history_alliance_id'), ['alliance_id'], unique=False)
        batch_op.create_index('ix_member_owner_history_claims', ['staff_id', 'start_change', 'started_at'], unique=False)
        batch_op.create_index('ix_member_owner_history_member', ['member_id', 'merchant_id'], unique=False)

    op.create_table('member_owners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('since', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('change', sa.String(length=20), nullable=False),
    sa.Column('history_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_member_owners_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_owners_member_id_members')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_member_owners_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_member_owners_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_owners')),
    sa.UniqueConstraint('merchant_id', 'member_id', name=op.f('uq_member_owners_merchant_id_member_id'))
    )
    with op.batch_alter_table('member_owners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_owners_alliance_id'), ['alliance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_owners_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_member_owners_staff', ['staff_id'], unique=False)

    op.create_table('ownership_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('daily_claim_limit', sa.Integer(), nullable=False),
    sa.Column('idle_days', sa.Integer(), nullable=False),
    sa.Column('updated_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('daily_claim_limit >= 1', name=op.f('ck_ownership_settings_claim_limit_positive')),
    sa.CheckConstraint('idle_days >= 1', name=op.f('ck_ownership_settings_idle_days_positive')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_ownership_settings_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['updated_by_user_id'], ['users.id'], name=op.f('fk_ownership_settings_updated_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ownership_settings')),
    sa.UniqueConstraint('merchant_id', name=op.f('uq_ownership_settings_merchant_id'))
    )


def downgrade() -> None:
    op.drop_table('ownership_settings')
    with op.batch_alter_table('member_owners', schema=None) as batch_op:
        batch_op.drop_index('ix_member_owners_staff')
        batch_op.drop_index(batch_op.f('ix_member_owners_member_id'))
        batch_op.drop_index(batch_op.f('ix_member_owners_alliance_id'))

    op.drop_table('member_owners')
    with op.batch_alter_table('member_owner_history', schema=None) as batch_op:
        batch_op.drop_index('ix_member_owner_history_member')
        batch_op.drop_index('ix_member_owner_history_claims')
        batch_op.drop_index(batch_op.f('ix_member_owner_history_alliance_id'))

    op.drop_table('member_owner_history')
