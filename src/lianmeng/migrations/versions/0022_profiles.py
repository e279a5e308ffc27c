"""profiles: completeness edits (profile_edits), consents answered at

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 04:53:06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lianmeng.db

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('profile_edits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('fields', sa.String(length=120), nullable=False),
    sa.Column('score_before', sa.Integer(), nullable=False),
    sa.Column('score_after', sa.Integer(), nullable=False),
    sa.Column('at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_profile_edits_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_profile_edits_member_id_members')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_profile_edits_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_profile_edits_staff_id_staff')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_profile_edits_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_edits'))
    )
    with op.batch_alter_table('profile_edits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_edits_alliance_id'), ['alliance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_profile_edits_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_profile_edits_merchant_at', ['merchant_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_profile_edits_staff_id'), ['staff_id'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consents_answered_at', lianmeng.db.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('consents_answered_at')

    with op.batch_alter_table('profile_edits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_edits_staff_id'))
        batch_op.drop_index('ix_profile_edits_merchant_at')
        batch_op.drop_index(batch_op.f('ix_profile_edits_member_id'))
        batch_op.drop_index(batch_op.f('ix_profile_edits_alliance_id'))

    op.drop_table('profile_edits')
