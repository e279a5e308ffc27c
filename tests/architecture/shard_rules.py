"""The shard-ready rules (docs/scale.md, issue 17 item 6), read off a schema: the models' metadata, or a migrated
database's reflection. Citus distributes the tenant tables by `alliance_id` and co-locates them, which holds only
when `alliance_id` is in every table an alliance owns, in every primary and unique key, and in every foreign key
between two such tables. The platform-wide tables (logins, tokens, the SMS outbox …) are named `platform_…`; with
`alliances` they become Citus reference tables, copied to every node.

What still breaks a rule is listed below, offender by offender: a new offender fails the tests, and so does an entry
that no longer offends (take it off the list)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Index, MetaData, UniqueConstraint
from sqlalchemy.engine import Inspector

from lianmeng.db_shard import IDENTITY, SHARD_KEYED

ALLIANCE = "alliance_id"
ALLIANCES = "alliances"
PLATFORM = "platform_"

#: Unique keys without `alliance_id`: public tokens and numbers looked up before the alliance is known (a card's
#: QR, a coupon code at the till, a claim/offer/join link, an API key's prefix). Citus could not enforce them; the
#: path (docs/scale.md) is a platform-wide lookup table token → alliance, or the alliance in the token.
GLOBAL_LOOKUPS: frozenset[tuple[str, tuple[str, ...]]] = frozenset({
    ("api_keys", ("prefix",)),
    ("coupon_claim_links", ("token",)),
    ("coupons", ("code",)),
    ("members", ("card_no",)),
    ("offer_recipients", ("token",)),
    ("prospect_invitations", ("token_hash",)),
    ("recruit_join_links", ("token",)),
})

#: Tenant tables whose `alliance_id` has no foreign key, on purpose: derived figures rebuilt in bulk, never
#: pointed at (values/models.py, overlap/models.py).
NO_FOREIGN_KEY_TO_ALLIANCES: frozenset[str] = frozenset({
    "member_value_history", "member_values", "overlap_bases", "overlap_pairs",
})


#: Tenant tables whose primary key lacks `alliance_id`, and foreign keys between tenant tables that lack it: none.
#: The models get both from one rule (lianmeng/db_shard.py, applied by `Base.__table_cls__`), so a new table is
#: keyed without anyone writing it; migration 0045 gave the existing PostgreSQL databases the same keys.
PRIMARY_KEYS_WITHOUT_ALLIANCE: frozenset[str] = frozenset()
SINGLE_COLUMN_FOREIGN_KEYS: frozenset[str] = frozenset()


def declared_keys_only(metadata: MetaData) -> tuple[set[str], set[str]]:
    """What the same rules find on SQLite, which keeps the keys the models declared (its rowid wants `id` alone,
    see lianmeng/db_shard.py): (tables whose primary key lacks alliance_id, single-column foreign keys between
    tenant tables), read off the metadata's shard-keyed constraints."""
    keys = {table.name for table in metadata.tables.values() if table.info.get(IDENTITY)}
    foreign = {f"{table.name}.{fk.elements[0].parent.name}→{fk.referred_table.name}"
               for table in metadata.tables.values() if not is_platform(table.name)
               for fk in table.foreign_key_constraints if fk.info.get(SHARD_KEYED)}
    return keys, foreign


@dataclass
class Shape:
    """What the rules read of one table."""

    columns: dict[str, bool] = field(default_factory=dict)  # name → nullable
    primary_key: tuple[str, ...] = ()
    uniques: set[tuple[str, ...]] = field(default_factory=set)
    foreign_keys: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = field(default_factory=list)


def from_metadata(metadata: MetaData) -> dict[str, Shape]:
    shapes = {}
    for table in metadata.tables.values():
        uniques = {tuple(c.name for c in u.columns) for u in table.constraints if isinstance(u, UniqueConstraint)}
        uniques |= {tuple(c.name for c in i.columns) for i in table.indexes if isinstance(i, Index) and i.unique}
        shapes[table.name] = Shape(
            columns={c.name: bool(c.nullable) for c in table.columns},
            primary_key=tuple(c.name for c in table.primary_key.columns),
            uniques=uniques,
            foreign_keys=[(tuple(c.name for c in fk.columns), fk.referred_table.name,
                           tuple(e.column.name for e in fk.elements)) for fk in table.foreign_key_constraints],
        )
    return shapes


def from_database(inspector: Inspector) -> dict[str, Shape]:
    shapes = {}
    for name in inspector.get_table_names():
        if name == "alembic_version":
            continue
        uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)}
        uniques |= {tuple(c for c in i["column_names"] if c) for i in inspector.get_indexes(name) if i["unique"]}
        shapes[name] = Shape(
            columns={c["name"]: bool(c["nullable"]) for c in inspector.get_columns(name)},
            primary_key=tuple(inspector.get_pk_constraint(name)["constrained_columns"]),
            uniques=uniques,
            foreign_keys=[(tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
                          for fk in inspector.get_foreign_keys(name)],
        )
    return shapes


def is_platform(table: str) -> bool:
    return table == ALLIANCES or table.startswith(PLATFORM)


def tenant_tables(shapes: dict[str, Shape]) -> dict[str, Shape]:
    return {name: shape for name, shape in shapes.items() if not is_platform(name)}


def without_alliance(shapes: dict[str, Shape]) -> set[str]:
    """Tenant tables lacking a NOT NULL `alliance_id`."""
    return {name for name, shape in tenant_tables(shapes).items() if shape.columns.get(ALLIANCE, True)}


def without_foreign_key_to_alliances(shapes: dict[str, Shape]) -> set[str]:
    return {name for name, shape in tenant_tables(shapes).items()
            if ((ALLIANCE,), ALLIANCES, ("id",)) not in shape.foreign_keys}


def unique_keys_without_alliance(shapes: dict[str, Shape]) -> set[tuple[str, tuple[str, ...]]]:
    return {(name, columns) for name, shape in tenant_tables(shapes).items() for columns in shape.uniques
            if ALLIANCE not in columns}


def primary_keys_without_alliance(shapes: dict[str, Shape]) -> set[str]:
    return {name for name, shape in tenant_tables(shapes).items() if ALLIANCE not in shape.primary_key}


def single_column_foreign_keys(shapes: dict[str, Shape]) -> set[str]:
    """Foreign keys between two tenant tables that do not carry `alliance_id` → `alliance_id`, as
    `table.column→referred`."""
    return {f"{name}.{'+'.join(c for c in columns if c != ALLIANCE)}→{referred}"
            for name, shape in tenant_tables(shapes).items()
            for columns, referred, referred_columns in shape.foreign_keys
            if not is_platform(referred) and (ALLIANCE, ALLIANCE) not in zip(columns, referred_columns, strict=True)}


def listing(items: Iterable[str]) -> str:
    return "\n".join(sorted(items))
