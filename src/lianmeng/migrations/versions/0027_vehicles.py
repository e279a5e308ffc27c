"""vehicles: members' plates and VINs (encrypted, keyed hash, masked), a car once per member

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lianmeng.db

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('member_vehicles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('plate_enc', sa.String(length=200), nullable=True),
    sa.Column('plate_hash', sa.String(length=64), nullable=True),
    sa.Column('plate_masked', sa.String(length=16), nullable=True),
    sa.Column('vin_enc', sa.String(length=200), nullable=True),
    sa.Column('vin_hash', sa.String(length=64), nullable=True),
    sa.Column('vin_masked', sa.String(length=16), nullable=True),
    sa.Column('merchant_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_member_vehicles_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_vehicles_member_id_members')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_member_vehicles_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_member_vehicles_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_vehicles')),
    sa.UniqueConstraint('alliance_id', 'member_id', 'plate_hash',
                        name=op.f('uq_member_vehicles_alliance_id_member_id_plate_hash')),
    sa.UniqueConstraint('alliance_id', 'member_id', 'vin_hash', name=op.f('uq_member_vehicles_alliance_id_member_id_vin_hash'))
    )
    with op.batch_alter_table('member_vehicles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_vehicles_alliance_id'), ['alliance_id'], unique=False)
        batch_op.create_index('ix_member_vehicles_plate_hash', ['alliance_id', 'plate_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_vehicles_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_vehicles_merchant_id'), ['merchant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('member_vehicles', schema=None) as batch_op:
        batch_op.drop_index('ix_member_vehicles_plate_hash')
        batch_op.drop_index(batch_op.f('ix_member_vehicles_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_member_vehicles_member_id'))
        batch_op.drop_index(batch_op.f('ix_member_vehicles_alliance_id'))

    op.drop_table('member_vehicles')
