"""Shard-ready schema (issue 17 item 6, docs/scale.md), read off the models' metadata: every table an alliance owns
carries a NOT NULL `alliance_id` with a foreign key to alliances, in every unique key; the platform-wide tables are
named `platform_…`. Primary and foreign keys are checked against the listed backlog (tests/architecture/
shard_rules.py): a new table or key that breaks a rule fails, and so does a listed one that no longer does. The same
rules are checked on a migrated database in tests/integration/migrations/test_migrations.py."""

from __future__ import annotations

import lianmeng.models  # noqa: F401  (fills Base.metadata)
from lianmeng.db import Base
from tests.architecture import shard_rules as rules

SHAPES = rules.from_metadata(Base.metadata)


def test_every_tenant_table_carries_its_alliance() -> None:
    missing = rules.without_alliance(SHAPES)
    assert not missing, ("tables without a NOT NULL alliance_id: give them one (set from the parent row), or, if "
                         "the platform owns them, name them platform_…:\n" + rules.listing(missing))


def test_the_alliance_id_points_at_the_alliance() -> None:
    assert rules.without_foreign_key_to_alliances(SHAPES) == rules.NO_FOREIGN_KEY_TO_ALLIANCES


def test_unique_keys_hold_the_alliance() -> None:
    """Citus enforces a unique key only when it holds the distribution column."""
    offenders = rules.unique_keys_without_alliance(SHAPES)
    assert offenders == rules.GLOBAL_LOOKUPS, (
        "unique keys without alliance_id (add it, last) or listed ones that hold it now:\n"
        + rules.listing(f"{t}{c}" for t, c in offenders ^ rules.GLOBAL_LOOKUPS))


def test_primary_keys_hold_the_alliance_but_for_the_backlog() -> None:
    offenders = rules.primary_keys_without_alliance(SHAPES)
    assert offenders == rules.PRIMARY_KEYS_WITHOUT_ALLIANCE, (
        "a new table's primary key lacks alliance_id, or a listed one has it now:\n"
        + rules.listing(offenders ^ rules.PRIMARY_KEYS_WITHOUT_ALLIANCE))


def test_foreign_keys_between_tenant_tables_are_composite_but_for_the_backlog() -> None:
    offenders = rules.single_column_foreign_keys(SHAPES)
    assert offenders == rules.SINGLE_COLUMN_FOREIGN_KEYS, (
        "a new foreign key between tenant tables lacks alliance_id, or a listed one has it now:\n"
        + rules.listing(offenders ^ rules.SINGLE_COLUMN_FOREIGN_KEYS))


def test_platform_tables_are_few_and_named_so() -> None:
    """A platform table is named platform_…; anything else not named so is a tenant table (the tests above)."""
    platform = {name for name in SHAPES if rules.is_platform(name)}
    assert platform == {"alliances", "platform_users", "platform_revoked_tokens", "platform_notifications",
                        "platform_notification_opt_outs", "platform_outbox_messages", "platform_idempotency_keys"}


def test_the_rules_catch_an_offender() -> None:
    """The checks above can fail: a tenant table without alliance_id, a unique key and a foreign key without it."""
    from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, UniqueConstraint

    metadata = MetaData()
    Table("alliances", metadata, Column("id", Integer, primary_key=True))
    Table("shops", metadata, Column("id", Integer, primary_key=True),
          Column("alliance_id", ForeignKey("alliances.id"), nullable=False))
    Table("visits", metadata, Column("id", Integer, primary_key=True), Column("shop_id", ForeignKey("shops.id")),
          Column("ticket", String(8)), UniqueConstraint("ticket"))
    shapes = rules.from_metadata(metadata)
    assert rules.without_alliance(shapes) == {"visits"}
    assert rules.unique_keys_without_alliance(shapes) == {("visits", ("ticket",))}
    assert rules.primary_keys_without_alliance(shapes) == {"shops", "visits"}
    assert rules.single_column_foreign_keys(shapes) == {"visits.shop_id→shops"}
