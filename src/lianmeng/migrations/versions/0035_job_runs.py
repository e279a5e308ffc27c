"""job_runs: the record of every job run, unique per (alliance, kind, period) so a redelivered job does nothing
twice (docs/operations.md, "Jobs and the worker"). procrastinate's own tables are not created here: `lianmeng
worker` applies its schema on PostgreSQL when missing (idempotent), and SQLite never needs them.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lianmeng.db import UTCDateTime

revision: str = '0035'
down_revision: str | None = '0034'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'job_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alliance_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('period', sa.String(length=40), nullable=False),
        sa.Column('started_at', UTCDateTime(), nullable=False),
        sa.Column('finished_at', UTCDateTime(), nullable=True),
        sa.Column('outcome', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('error', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_job_runs_alliance_id_alliances')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs')),
        sa.UniqueConstraint('alliance_id', 'kind', 'period', name=op.f('uq_job_runs_alliance_id_kind_period')),
    )
    op.create_index('ix_job_runs_started_at', 'job_runs', ['started_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_job_runs_started_at', table_name='job_runs')
    op.drop_table('job_runs')
