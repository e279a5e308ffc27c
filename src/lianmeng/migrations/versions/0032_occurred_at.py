"""occurred_at on orders and ledger postings: when a sale happened (an offline till's backlog is recorded later)

Revision ID: 0032
Revises: 0029
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lianmeng.db import UTCDateTime

revision: str = '0032'
down_revision: str | None = '0031'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('orders', 'ledger_postings')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('occurred_at', UTCDateTime(), nullable=True))
        op.execute(f'UPDATE {table} SET occurred_at = created_at')
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('occurred_at', existing_type=UTCDateTime(), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_occurred_at'), ['occurred_at'], unique=False)


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_occurred_at'))
            batch_op.drop_column('occurred_at')
