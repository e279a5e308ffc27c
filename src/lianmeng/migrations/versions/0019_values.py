"""member value model: breadth on the alliance-wide value row; the window the last refresh used

Revision ID: 0019a
Revises: 0018
Create Date: 2026-12-07 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019a'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('member_values', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merchants_visited', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('value_model_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('run_window_days', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('value_model_settings', schema=None) as batch_op:
        batch_op.drop_column('run_window_days')
    with op.batch_alter_table('member_values', schema=None) as batch_op:
        batch_op.drop_column('merchants_visited')
