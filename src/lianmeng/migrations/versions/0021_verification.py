"""verification: credit code and review columns on merchants and partner_candidates, verification_events,
members.phone_verified_at

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 04:52:15
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lianmeng.db

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('verification_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=12), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('status_before', sa.String(length=20), nullable=False),
    sa.Column('status_after', sa.String(length=20), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_verification_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_verification_events_alliance_id_alliances')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_events'))
    )
    with op.batch_alter_table('verification_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_events_alliance_id'), ['alliance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_verification_events_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_verification_events_subject', ['subject_kind', 'subject_id'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_verified_at', lianmeng.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_code', sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column('legal_person', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('registered_address', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('licence_ref', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('verification_status', sa.String(length=20), server_default='unverified', nullable=False))
        batch_op.add_column(sa.Column('verification_findings', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('verification_reviewed_by_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verification_reviewed_at', lianmeng.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verification_rejection_reason', sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f('ix_merchants_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_merchants_verification_status'), ['verification_status'], unique=False)

    with op.batch_alter_table('partner_candidates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_code', sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column('legal_person', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('registered_address', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('licence_ref', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('verification_status', sa.String(length=20), server_default='unverified', nullable=False))
        batch_op.add_column(sa.Column('verification_findings', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('verification_reviewed_by_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verification_reviewed_at', lianmeng.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verification_rejection_reason', sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f('ix_partner_candidates_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_candidates_verification_status'), ['verification_status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('partner_candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_candidates_verification_status'))
        batch_op.drop_index(batch_op.f('ix_partner_candidates_credit_code'))
        batch_op.drop_column('verification_rejection_reason')
        batch_op.drop_column('verification_reviewed_at')
        batch_op.drop_column('verification_reviewed_by_user_id')
        batch_op.drop_column('verification_findings')
        batch_op.drop_column('verification_status')
        batch_op.drop_column('licence_ref')
        batch_op.drop_column('registered_address')
        batch_op.drop_column('legal_person')
        batch_op.drop_column('credit_code')

    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merchants_verification_status'))
        batch_op.drop_index(batch_op.f('ix_merchants_credit_code'))
        batch_op.drop_column('verification_rejection_reason')
        batch_op.drop_column('verification_reviewed_at')
        batch_op.drop_column('verification_reviewed_by_user_id')
        batch_op.drop_column('verification_findings')
        batch_op.drop_column('verification_status')
        batch_op.drop_column('licence_ref')
        batch_op.drop_column('registered_address')
        batch_op.drop_column('legal_person')
        batch_op.drop_column('credit_code')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('phone_verified_at')

    with op.batch_alter_table('verification_events', schema=None) as batch_op:
        batch_op.drop_index('ix_verification_events_subject')
        batch_op.drop_index(batch_op.f('ix_verification_events_created_at'))
        batch_op.drop_index(batch_op.f('ix_verification_events_alliance_id'))

    op.drop_table('verification_events')
