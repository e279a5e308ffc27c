"""featured placement (推广位): the operator's slots and the merchants' bookings (issue 18 item 3)

Revision ID: 0044
Revises: 0039
Create Date: 2026-12-07 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lianmeng.db

revision: str = '0044'
down_revision: str | None = '0043'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('placement_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('surface', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('price_per_day_fen', sa.BigInteger(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('max_days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('price_per_day_fen > 0', name=op.f('ck_placement_slots_price_positive')),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_placement_slots_capacity_positive')),
    sa.CheckConstraint('max_days > 0', name=op.f('ck_placement_slots_max_days_positive')),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_placement_slots_alliance_id_alliances')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_slots')),
    sa.UniqueConstraint('alliance_id', 'surface', name=op.f('uq_placement_slots_alliance_id_surface'))
    )
    op.create_table('placement_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('price_per_day_fen', sa.BigInteger(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('booked_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', lianmeng.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_user_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('days > 0', name=op.f('ck_placement_bookings_days_positive')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_placement_bookings_amount_positive')),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'],
                            name=op.f('fk_placement_bookings_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['slot_id'], ['placement_slots.id'],
                            name=op.f('fk_placement_bookings_slot_id_placement_slots')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_placement_bookings_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['booked_by_user_id'], ['platform_users.id'],
                            name=op.f('fk_placement_bookings_booked_by_user_id_platform_users')),
    sa.ForeignKeyConstraint(['cancelled_by_user_id'], ['platform_users.id'],
                            name=op.f('fk_placement_bookings_cancelled_by_user_id_platform_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_bookings'))
    )
    with op.batch_alter_table('placement_bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_bookings_alliance_id'), ['alliance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_bookings_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index('ix_placement_bookings_slot_days', ['slot_id', 'status', 'first_day', 'last_day'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('placement_bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_placement_bookings_slot_days')
        batch_op.drop_index(batch_op.f('ix_placement_bookings_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_placement_bookings_alliance_id'))
    op.drop_table('placement_bookings')
    op.drop_table('placement_slots')
