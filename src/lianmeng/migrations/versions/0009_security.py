"""security: revoked tokens (logout), voided one-time codes, redacted outbox messages

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lianmeng.db

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('revoked_tokens',
    sa.Column('jti', sa.String(length=32), nullable=False),
    sa.Column('expires_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('jti', name=op.f('pk_revoked_tokens'))
    )
    with op.batch_alter_table('revoked_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revoked_tokens_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voided_at', lianmeng.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redacted_at', lianmeng.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('redacted_at')

    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.drop_column('voided_at')

    with op.batch_alter_table('revoked_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revoked_tokens_expires_at'))

    op.drop_table('revoked_tokens')
