"""Shard-ready schema (docs/scale.md): the platform-wide tables renamed `platform_…`; every tenant table carries
`alliance_id`, backfilled from its parent rows.

Revision ID: 0039
Revises: 0034
Create Date: 2026-12-07 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import inspect, text

revision: str = '0039'
down_revision: str | None = '0037'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: logins, their revoked tokens and notifications, the SMS outbox and idempotency keys: one of each for the platform
PLATFORM_RENAMES = {
    'users': 'platform_users',
    'revoked_tokens': 'platform_revoked_tokens',
    'idempotency_keys': 'platform_idempotency_keys',
    'outbox_messages': 'platform_outbox_messages',
    'notifications': 'platform_notifications',
    'notification_opt_outs': 'platform_notification_opt_outs',
}


#: tenant tables that lacked `alliance_id`, in backfill order: (table, parent table, column pointing at the parent)
TENANT_PARENTS = [
    ('stores', 'merchants', 'merchant_id'),
    ('staff', 'merchants', 'merchant_id'),
    ('api_keys', 'merchants', 'merchant_id'),
    ('ownership_settings', 'merchants', 'merchant_id'),
    ('points_rules', 'merchants', 'merchant_id'),
    ('memberships', 'members', 'member_id'),
    ('one_time_codes', 'members', 'member_id'),
    ('member_message_opt_outs', 'members', 'member_id'),
    ('agreement_events', 'agreements', 'agreement_id'),
    ('campaign_costs', 'campaigns', 'campaign_id'),
    ('campaign_coupons', 'campaigns', 'campaign_id'),
    ('campaign_gift_packages', 'campaigns', 'campaign_id'),
    ('campaign_merchants', 'campaigns', 'campaign_id'),
    ('campaign_registrations', 'campaigns', 'campaign_id'),
    ('joint_card_tiers', 'joint_card_products', 'product_id'),
    ('joint_card_components', 'joint_card_tiers', 'tier_id'),
    ('joint_card_items', 'joint_cards', 'card_id'),
    ('ledger_entries', 'ledger_postings', 'posting_id'),
    ('member_merge_events', 'member_merges', 'merge_id'),
    ('place_merge_events', 'place_merges', 'merge_id'),
    ('partner_candidate_stores', 'partner_candidates', 'candidate_id'),
    ('partner_mystery_visits', 'partner_candidates', 'candidate_id'),
    ('partner_sincerity_answers', 'partner_candidates', 'candidate_id'),
    ('points_draws', 'points_grants', 'grant_id'),
    ('prospect_member_digests', 'prospect_invitations', 'invitation_id'),
    ('prospect_overlap_cells', 'prospect_computations', 'computation_id'),
    ('settlement_events', 'settlement_statements', 'statement_id'),
    ('settlement_lines', 'settlement_statements', 'statement_id'),
]


def _add_alliance_ids() -> None:
    """Each table's `alliance_id` is its parent's, by a correlated subquery (the same SQL on SQLite and
    PostgreSQL); then NOT NULL and a foreign key to alliances."""
    for table, parent, column in TENANT_PARENTS:
        op.add_column(table, sa.Column('alliance_id', sa.Integer(), nullable=True))
        op.execute(f'UPDATE {table} SET alliance_id = '
                   f'(SELECT p.alliance_id FROM {parent} p WHERE p.id = {table}.{column})')
        with op.batch_alter_table(table) as batch:
            batch.alter_column('alliance_id', existing_type=sa.Integer(), nullable=False)
            batch.create_foreign_key(f'fk_{table}_alliance_id_alliances', 'alliances', ['alliance_id'], ['id'])


def _drop_alliance_ids() -> None:
    for table, _parent, _column in reversed(TENANT_PARENTS):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f'fk_{table}_alliance_id_alliances', type_='foreignkey')
            batch.drop_column('alliance_id')


#: unique keys of tenant tables, widened with `alliance_id` (last, so that lookups by the leading columns keep using
#: the index): Citus enforces a unique key only when it holds the distribution column
WIDENED_UNIQUES = [
    ('campaign_merchants', ('campaign_id', 'merchant_id')),
    ('campaign_registrations', ('campaign_id', 'member_id')),
    ('campaign_coupons', ('coupon_id',)),
    ('coupon_redemptions', ('coupon_id', 'use_no')),
    ('coupon_redemptions', ('order_id',)),
    ('joint_cards', ('seller_merchant_id', 'external_id')),
    ('joint_card_items', ('card_id', 'component_id')),
    ('member_messages', ('member_id', 'kind', 'batch')),
    ('member_message_opt_outs', ('member_id', 'kind')),
    ('member_owners', ('merchant_id', 'member_id')),
    ('ownership_settings', ('merchant_id',)),
    ('member_tags', ('member_id', 'tag_id', 'source', 'merchant_id')),
    ('memberships', ('member_id', 'merchant_id')),
    ('targeted_offers', ('merchant_id', 'idempotency_key')),
    ('offer_recipients', ('offer_id', 'member_id')),
    ('orders', ('merchant_id', 'external_id')),
    ('refunds', ('order_id', 'external_id')),
    ('top_ups', ('merchant_id', 'external_id')),
    ('points_rules', ('merchant_id',)),
    ('referral_feedback', ('redemption_id',)),
    ('settlement_statements', ('run_id', 'merchant_id')),
]


def _swap_uniques(widen: bool) -> None:
    for table, columns in WIDENED_UNIQUES:
        narrow, wide = list(columns), [*columns, 'alliance_id']
        old, new = (narrow, wide) if widen else (wide, narrow)
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_{'_'.join(old)}", type_='unique')
            batch.create_unique_constraint(f"uq_{table}_{'_'.join(new)}", new)


def _renamed(name: str, old: str, new: str) -> str:
    """A constraint's or index's name under the naming convention (db.NAMING_CONVENTION), with the table renamed:
    `ix_users_x`, `uq_users_x`, `pk_users`, `fk_users_x_merchants`, `fk_notifications_user_id_users`."""
    for prefix in ('ix_', 'uq_', 'fk_', 'pk_', 'ck_'):
        if name == f'{prefix}{old}':
            return f'{prefix}{new}'
        if name.startswith(f'{prefix}{old}_'):
            name = f'{prefix}{new}_{name[len(prefix) + len(old) + 1:]}'
            break
    if name.startswith('fk_') and name.endswith(f'_{old}'):
        name = name[: -len(old)] + new
    return name


def _rename_table(old: str, new: str) -> None:
    op.rename_table(old, new)
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for table, name in bind.execute(text(
                "SELECT c.conrelid::regclass::text, c.conname FROM pg_constraint c "
                "JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema()")).all():
            if (fresh := _renamed(name, old, new)) != name:
                op.execute(f'ALTER TABLE {table} RENAME CONSTRAINT {name} TO {fresh}')
        for (name,) in bind.execute(text(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = :t"),
                {'t': new}).all():
            if (fresh := _renamed(name, old, new)) != name and name.startswith('ix_'):
                op.execute(f'ALTER INDEX {name} RENAME TO {fresh}')
        op.execute(f'ALTER SEQUENCE IF EXISTS {old}_id_seq RENAME TO {new}_id_seq')
    else:  # SQLite rewrites the other tables' references itself; its indexes are renamed by being made again
        for name, sql in bind.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"),
                {'t': new}).all():
            if (fresh := _renamed(name, old, new)) != name:
                op.execute(f'DROP INDEX {name}')
                op.execute(sql.replace(f'INDEX {name} ON', f'INDEX {fresh} ON', 1))
        uniques = [(u['name'], u['column_names']) for u in inspect(bind).get_unique_constraints(new)
                   if u['name'] and _renamed(u['name'], old, new) != u['name']]
        if uniques:
            with op.batch_alter_table(new) as batch:
                for name, columns in uniques:
                    batch.drop_constraint(name, type_='unique')
                    batch.create_unique_constraint(_renamed(name, old, new), columns)


def upgrade() -> None:
    for old, new in PLATFORM_RENAMES.items():
        _rename_table(old, new)
    _add_alliance_ids()
    _swap_uniques(widen=True)


def downgrade() -> None:
    _swap_uniques(widen=False)
    _drop_alliance_ids()
    for old, new in PLATFORM_RENAMES.items():
        _rename_table(new, old)
