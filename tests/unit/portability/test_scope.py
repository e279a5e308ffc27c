"""Which tables travel with an alliance is read from the schema: a table added tomorrow, with an alliance_id or
only a foreign key to one that has it, is exported without a code change; platform tables stay behind unless the
alliance's rows point to them. No database: the scope is built from a metadata of its own."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table
from sqlalchemy.dialects import postgresql

from lianmeng.portability.repository import AllianceScope


def schema() -> MetaData:
    metadata = MetaData()
    Table("alliances", metadata, Column("id", Integer, primary_key=True), Column("code", String))
    Table("merchants", metadata, Column("id", Integer, primary_key=True),
          Column("alliance_id", ForeignKey("alliances.id"), nullable=False),
          Column("merged_into_id", ForeignKey("merchants.id")))
    Table("stores", metadata, Column("id", Integer, primary_key=True),
          Column("merchant_id", ForeignKey("merchants.id"), nullable=False))
    Table("store_visits", metadata, Column("id", Integer, primary_key=True),  # two steps from an alliance
          Column("store_id", ForeignKey("stores.id"), nullable=False))
    Table("webhook_deliveries", metadata, Column("id", Integer, primary_key=True),  # tomorrow's table
          Column("alliance_id", Integer, nullable=False), Column("message_id", ForeignKey("outbox.id")))
    Table("outbox", metadata, Column("id", Integer, primary_key=True))  # platform, pointed to
    Table("revoked_tokens", metadata, Column("jti", String, primary_key=True))  # platform, not pointed to
    return metadata


def sql(scope: AllianceScope, name: str) -> str:
    """The WHERE clause that picks the alliance's rows of the table."""
    statement = scope.rows(scope.metadata.tables[name])
    text = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    return text.split("WHERE", 1)[1]


def test_tables_are_found_through_alliance_id_and_foreign_keys_parents_first() -> None:
    scope = AllianceScope(7, schema())
    names = [t.name for t in scope.tables]
    assert set(names) == {"alliances", "merchants", "stores", "store_visits", "webhook_deliveries", "outbox"}
    assert names.index("merchants") < names.index("stores") < names.index("store_visits")
    assert names.index("outbox") < names.index("webhook_deliveries")


def test_the_conditions_follow_the_paths() -> None:
    scope = AllianceScope(7, schema())
    assert "alliances.id = 7" in sql(scope, "alliances")
    assert "merchants.alliance_id = 7" in sql(scope, "merchants") and "merged_into" not in sql(scope, "merchants")
    visits = sql(scope, "store_visits")
    assert "store_visits.store_id IN" in visits and "stores.merchant_id IN" in visits and "alliance_id = 7" in visits
    assert "outbox.id IN (SELECT webhook_deliveries.message_id" in sql(scope, "outbox")
