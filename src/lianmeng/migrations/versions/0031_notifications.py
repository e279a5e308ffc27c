"""notifications: the console notification centre, members' messages through the outbox, opt-outs per kind

Revision ID: 0031
Revises: 0029
Create Date: 2026-12-07 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lianmeng.db

revision: str = '0031'
down_revision: str | None = '0029'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('created_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', lianmeng.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_notifications_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_alliance_id'), ['alliance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at'], unique=False)

    op.create_table('notification_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('created_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_opt_outs_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_opt_outs')),
    sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_notification_opt_outs_user_id_kind'))
    )
    with op.batch_alter_table('notification_opt_outs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_opt_outs_user_id'), ['user_id'], unique=False)

    op.create_table('member_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('batch', sa.String(length=80), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_member_messages_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_messages_member_id_members')),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_messages.id'],
                            name=op.f('fk_member_messages_message_id_outbox_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_messages')),
    sa.UniqueConstraint('member_id', 'kind', 'batch', name=op.f('uq_member_messages_member_id_kind_batch'))
    )
    with op.batch_alter_table('member_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_messages_alliance_id'), ['alliance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_messages_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_messages_message_id'), ['message_id'], unique=False)

    op.create_table('member_message_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('created_at', lianmeng.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_message_opt_outs_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_message_opt_outs')),
    sa.UniqueConstraint('member_id', 'kind', name=op.f('uq_member_message_opt_outs_member_id_kind'))
    )
    with op.batch_alter_table('member_message_opt_outs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_message_opt_outs_member_id'), ['member_id'], unique=False)


def downgrade() -> None:
    for table in ('member_message_opt_outs', 'member_messages', 'notification_opt_outs', 'notifications'):
        op.drop_table(table)
