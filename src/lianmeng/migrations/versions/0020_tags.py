"""tags: when each alliance's rule tags were last applied (tag_rule_runs)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 04:12:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lianmeng.db

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tag_rule_runs',
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('ran_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('removed', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_tag_rule_runs_alliance_id_alliances')),
    sa.PrimaryKeyConstraint('alliance_id', name=op.f('pk_tag_rule_runs'))
    )


def downgrade() -> None:
    op.drop_table('tag_rule_runs')
