"""member value model: breadth on the alliance-wide value row; the window the last refresh used; no foreign keys
on the derived value tables

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


FOREIGN_KEYS = {  # table → (constraint, column, referred table)
    'member_values': (('fk_member_values_alliance_id_alliances', 'alliance_id', 'alliances'),
                      ('fk_member_values_member_id_members', 'member_id', 'members'),
                      ('fk_member_values_merchant_id_merchants', 'merchant_id', 'merchants')),
    'member_value_history': (('fk_member_value_history_alliance_id_alliances', 'alliance_id', 'alliances'),
                             ('fk_member_value_history_member_id_members', 'member_id', 'members'),
                             ('fk_member_value_history_merchant_id_merchants', 'merchant_id', 'merchants')),
}


def upgrade() -> None:
    # derived tables rewritten set-based by the value refresh: per-row foreign-key triggers cost more than the write
    for table, keys in FOREIGN_KEYS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _, _ in keys:
                batch_op.drop_constraint(name, type_='foreignkey')
    with op.batch_alter_table('member_values', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merchants_visited', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('value_model_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('run_window_days', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('value_model_settings', schema=None) as batch_op:
        batch_op.drop_column('run_window_days')
    with op.batch_alter_table('member_values', schema=None) as batch_op:
        batch_op.drop_column('merchants_visited')
    for table, keys in FOREIGN_KEYS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, column, referred in keys:
                batch_op.create_foreign_key(name, referred, [column], ['id'])
