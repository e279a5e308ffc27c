"""cause and occurred_at copied onto ledger entries: settlement's bulk aggregate reads the entries alone, with no
join to the postings (docs/benchmarks.md, settlement). Postings are never edited, so the copies never drift.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lianmeng.db import UTCDateTime

revision: str = '0034'
down_revision: str | None = '0033'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cause', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('occurred_at', UTCDateTime(), nullable=True))
    op.execute('UPDATE ledger_entries SET cause = (SELECT p.cause FROM ledger_postings p WHERE p.id = posting_id), '
               'occurred_at = (SELECT p.occurred_at FROM ledger_postings p WHERE p.id = posting_id)')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.alter_column('cause', existing_type=sa.String(length=30), nullable=False)
        batch_op.alter_column('occurred_at', existing_type=UTCDateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_column('occurred_at')
        batch_op.drop_column('cause')
