"""Shard-ready schema (issue 17 item 6, docs/scale.md), read off the models' metadata: every table an alliance owns
carries a NOT NULL `alliance_id` with a foreign key to alliances, in every unique key; the platform-wide tables are
named `platform_…`. Primary and foreign keys are checked against the listed backlog (tests/architecture/
shard_rules.py): a new table or key that breaks a rule fails, and so does a listed one that no longer does. The same
rules are checked on a migrated database in tests/integration/migrations/test_migrations.py."""

from __future__ import annotations

from sqlalchemy import ForeignKey, MetaData, String, create_engine, inspect, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.schema import CreateTable

import lianmeng.models  # noqa: F401  (fills Base.metadata)
from lianmeng.db import Base, ShardKeyed
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


def test_primary_keys_hold_the_alliance() -> None:
    offenders = rules.primary_keys_without_alliance(SHAPES)
    assert offenders == rules.PRIMARY_KEYS_WITHOUT_ALLIANCE, (
        "a new table's primary key lacks alliance_id, or a listed one has it now:\n"
        + rules.listing(offenders ^ rules.PRIMARY_KEYS_WITHOUT_ALLIANCE))


def test_foreign_keys_between_tenant_tables_are_composite() -> None:
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
    from sqlalchemy import Column, Integer, Table, UniqueConstraint

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


def test_a_new_model_is_shard_keyed_without_writing_it() -> None:
    """A model added later, written the plain way (`id` key, `ForeignKey("x.id")`), passes: the declarative base
    widens its keys. Its mapper still knows a row by `id`; SQLite still gets `id INTEGER PRIMARY KEY`."""
    class Scratch(ShardKeyed, DeclarativeBase):
        metadata = MetaData(naming_convention=Base.metadata.naming_convention)

    class Alliance(Scratch):
        __tablename__ = "alliances"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Shop(Scratch):
        __tablename__ = "shops"
        id: Mapped[int] = mapped_column(primary_key=True)
        alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))

    class Visit(Scratch):
        __tablename__ = "visits"
        id: Mapped[int] = mapped_column(primary_key=True)
        alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
        shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
        note: Mapped[str] = mapped_column(String(8), default="")

    shapes = rules.from_metadata(Scratch.metadata)
    assert rules.primary_keys_without_alliance(shapes) == set()
    assert rules.single_column_foreign_keys(shapes) == set()
    assert shapes["visits"].primary_key == ("id", "alliance_id")
    assert (("shop_id", "alliance_id"), "shops", ("id", "alliance_id")) in shapes["visits"].foreign_keys
    assert [c.name for c in inspect(Visit).primary_key] == ["id"]
    assert rules.declared_keys_only(Scratch.metadata) == ({"shops", "visits"}, {"visits.shop_id→shops"})

    engine = create_engine("sqlite://")
    Scratch.metadata.create_all(engine)
    assert "PRIMARY KEY (id)" in str(CreateTable(Scratch.metadata.tables["visits"]).compile(engine))
    with Session(engine) as session:
        session.add(Alliance(id=1))
        session.add(Shop(alliance_id=1))
        session.flush()
        visit = Visit(alliance_id=1, shop_id=1)
        session.add(visit)
        session.flush()
        assert visit.id == 1 and session.get(Visit, 1) is visit
        session.execute(update(Visit), [{"id": 1, "note": "seen"}])  # the ORM's UPDATE by id, as before
        assert session.scalar(select(Visit.note)) == "seen"
