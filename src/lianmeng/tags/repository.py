"""Queries of tags: the taxonomy, the tags a caller may see on a member, the targeting seam, and the set-based
application of rule tags.

Applying a rule is three statements per tag, whatever the number of members: the members matching it (one
GROUP BY over orders and arrivals, `matches`), an INSERT … SELECT of the matches not tagged yet, and a DELETE of
rule tags that no longer match. No statement runs per member. Item names are searched inside the order's JSON items
with the database's own JSON functions (json_array_elements on PostgreSQL, json_each on SQLite), by position of
the keyword (strpos / instr: case-sensitive, no LIKE wildcards), the only dialect-specific part.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Select,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from lianmeng.coupons.models import Redemption
from lianmeng.db import UTCDateTime
from lianmeng.members.domain import PENDING
from lianmeng.members.models import Member
from lianmeng.merchants.models import Merchant, Staff
from lianmeng.orders.models import Order
from lianmeng.tags.domain import Rule, RuleKind, TagSource
from lianmeng.tags.models import MemberTag, TagDefinition, TagRuleRun
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import MAX_ID

RULES_WORK_MEM = "64MB"
REANALYZE_AFTER = 10_000  # rows a tag's run added or removed before member_tags' statistics are refreshed

# --- taxonomy -------------------------------------------------------------------------------------------------


def definitions(session: Session, alliance_id: int) -> list[TagDefinition]:
    return list(session.scalars(select(TagDefinition).where(TagDefinition.alliance_id == alliance_id)
                                .order_by(TagDefinition.id)))


def definition(session: Session, alliance_id: int, code: str, *, lock: bool = False) -> TagDefinition | None:
    stmt = select(TagDefinition).where(TagDefinition.alliance_id == alliance_id, TagDefinition.code == code)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def alliances_with_rules(session: Session) -> list[int]:
    """Alliances whose taxonomy exists (rule tags are applied only once an alliance uses tags)."""
    return list(session.scalars(select(TagDefinition.alliance_id).distinct().order_by(TagDefinition.alliance_id)))


def taxonomy_changed_at(session: Session, alliance_id: int) -> datetime | None:
    return session.scalar(select(func.max(TagDefinition.updated_at)).where(TagDefinition.alliance_id == alliance_id))


def last_run(session: Session, alliance_id: int) -> TagRuleRun | None:
    return session.get(TagRuleRun, alliance_id)


def record_run(session: Session, alliance_id: int, at: datetime, added: int, removed: int, seconds: float) -> None:
    run = session.get(TagRuleRun, alliance_id, with_for_update=True)
    if run is None:
        run = TagRuleRun(alliance_id=alliance_id)
        session.add(run)
    run.ran_at, run.added, run.removed, run.seconds = at, added, removed, seconds
    session.flush()


def tag_counts(session: Session, alliance_id: int) -> dict[int, int]:
    """People carrying each tag (any source), for the operator's taxonomy page: counts, never members. A merged
    member's tombstone counts as its survivor, so one person tagged on both records counts once."""
    person = func.coalesce(Member.merged_into_id, Member.id)
    rows = session.execute(select(MemberTag.tag_id, func.count(func.distinct(person)))
                           .join(Member, Member.id == MemberTag.member_id)
                           .where(MemberTag.alliance_id == alliance_id).group_by(MemberTag.tag_id))
    return {int(tag): int(n) for tag, n in rows}


# --- tags on members ------------------------------------------------------------------------------------------


def visible_tag_filter(merchant_id: int) -> ColumnElement[bool]:
    """The seam for targeting (audiences): MemberTag rows a merchant may use to pick its own members — the tags its
    own data or staff produced, and what members declared. Combine it with the merchant's own members
    (audiences.service.own_members) and an active tag, e.g.

        select(MemberTag.member_id).join(TagDefinition, TagDefinition.id == MemberTag.tag_id)
        .where(visible_tag_filter(m), TagDefinition.active, TagDefinition.code.in_(codes),
               MemberTag.member_id.in_(own_members(alliance, m)))

    Another merchant's rule or staff tags never qualify, so a tag never tells one merchant what a member did at
    another."""
    return or_(MemberTag.merchant_id == merchant_id, MemberTag.source == TagSource.DECLARED.value)


def tagged_members(merchant_id: int, tag_ids: list[int]) -> Select[Any]:
    """Ids of members carrying any of these tags as far as `merchant_id` may see (the seam above, ready to use)."""
    return select(MemberTag.member_id).where(visible_tag_filter(merchant_id), MemberTag.tag_id.in_(tag_ids))


def tags_of_member(p: Principal, member_id: int) -> Select[MemberTag, TagDefinition]:
    """(MemberTag, TagDefinition) of one member, as far as the caller may see (tenancy.policy.member_tags)."""
    return (select(MemberTag, TagDefinition).join(TagDefinition, TagDefinition.id == MemberTag.tag_id)
            .where(MemberTag.member_id == member_id, policy.member_tags(p))
            .order_by(TagDefinition.group, TagDefinition.id, MemberTag.at))


def member_tag(session: Session, p: Principal, member_tag_id: int, member_id: int | None = None) -> MemberTag | None:
    """One tag on a member if the caller may see it (and it is on `member_id`, when given)."""
    if not 0 < member_tag_id <= MAX_ID:
        return None  # beyond any stored id: cannot exist (and would overflow the driver)
    stmt = select(MemberTag).where(MemberTag.id == member_tag_id, policy.member_tags(p))
    if member_id is not None:
        stmt = stmt.where(MemberTag.member_id == member_id)
    return session.scalars(stmt).first()


def staff_tag_exists(session: Session, member_id: int, tag_id: int, merchant_id: int) -> bool:
    return session.scalar(select(func.count()).where(
        MemberTag.member_id == member_id, MemberTag.tag_id == tag_id, MemberTag.source == TagSource.STAFF.value,
        MemberTag.merchant_id == merchant_id)) != 0


def declared(session: Session, member_id: int) -> list[MemberTag]:
    return list(session.scalars(select(MemberTag).where(MemberTag.member_id == member_id,
                                                        MemberTag.source == TagSource.DECLARED.value)))


def names(session: Session, alliance_id: int | None, merchant_ids: set[int], staff_ids: set[int]
          ) -> tuple[dict[int, str], dict[int, str]]:
    merchants = dict(session.execute(select(Merchant.id, Merchant.name).where(
        Merchant.alliance_id == alliance_id, Merchant.id.in_(merchant_ids))).all()) if merchant_ids else {}
    staff = dict(session.execute(select(Staff.id, Staff.name).where(
        Staff.alliance_id == alliance_id, Staff.id.in_(staff_ids))).all()) if staff_ids else {}
    return merchants, staff


# --- rules, set-based -----------------------------------------------------------------------------------------


def _window(column: Any, rule: Rule, at: datetime) -> list[ColumnElement[bool]]:
    since = rule.since(at)
    return [column <= at] + ([column >= since] if since is not None else [])


def _item_matches(dialect: str, keywords: tuple[str, ...]) -> ColumnElement[bool]:
    """An order has an item whose name contains one of the keywords (the order's JSON `items`)."""
    params = {f"kw{i}": word for i, word in enumerate(keywords)}
    if dialect == "postgresql":
        found = " OR ".join(f"strpos(e.value ->> 'name', :kw{i}) > 0" for i in range(len(keywords)))
        sql = ("EXISTS (SELECT 1 FROM json_array_elements(CASE WHEN json_typeof(orders.items) = 'array' "
               f"THEN orders.items ELSE '[]'::json END) AS e(value) WHERE {found})")
    else:
        found = " OR ".join(f"instr(json_extract(e.value, '$.name'), :kw{i}) > 0" for i in range(len(keywords)))
        sql = f"EXISTS (SELECT 1 FROM json_each(orders.items) AS e WHERE {found})"
    return text(sql).bindparams(**params)  # type: ignore[return-value]


def matches(dialect: str, alliance_id: int, rule: Rule, at: datetime) -> Select[Any]:
    """(member_id, merchant_id, evidence) the rule credits as of `at` (domain.evaluate, in SQL), over members who
    have not refused personalised offers (profiling is what they refused) and whose phone is proved."""
    if rule.kind is RuleKind.VISITED_INDUSTRY:
        assert rule.industry is not None
        orders = (select(Order.member_id.label("member_id"),
                         func.coalesce(Order.referrer_merchant_id, Order.merchant_id).label("merchant_id"))
                  .join(Merchant, Merchant.id == Order.merchant_id)
                  .where(Order.alliance_id == alliance_id, Merchant.industry == rule.industry.value,
                         *_window(Order.occurred_at, rule, at)))
        arrivals = (select(Redemption.member_id.label("member_id"),
                           func.coalesce(Redemption.referrer_merchant_id, Redemption.merchant_id).label("merchant_id"))
                    .join(Merchant, Merchant.id == Redemption.merchant_id)
                    .where(Redemption.alliance_id == alliance_id, Redemption.order_id.is_(None),
                           Merchant.industry == rule.industry.value, *_window(Redemption.at, rule, at)))
        visits = union_all(orders, arrivals).subquery("visits")
        member_col: Any = visits.c.member_id
        merchant_col: Any = visits.c.merchant_id
        source: Any = visits
        conditions: list[ColumnElement[bool]] = []
    else:
        member_col, merchant_col, source = Order.member_id, Order.merchant_id, Order
        conditions = [Order.alliance_id == alliance_id, *_window(Order.occurred_at, rule, at)]
        if rule.kind is RuleKind.BOUGHT_KEYWORD:
            conditions.append(_item_matches(dialect, rule.keywords))
    return (select(member_col.label("member_id"), merchant_col.label("merchant_id"),
                   func.count().label("evidence"))
            .select_from(source).join(Member, Member.id == member_col)
            .where(*conditions, Member.status != PENDING, Member.offers_refused.is_(False))
            .group_by(member_col, merchant_col).having(func.count() >= rule.min_count))


# The matches of the rule being applied, in a temporary table of the transaction's connection: counted once,
# indexed by its primary key, and (on PostgreSQL) analysed, so that the DELETE and the INSERT below are planned on
# its real size instead of an estimate of a GROUP BY (a nested loop over a misestimated aggregate took 50 s for
# 12,000 tags; hash and index joins take well under a second).
MATCHES = Table("tag_rule_matches", MetaData(), Column("member_id", Integer, primary_key=True),
                Column("merchant_id", Integer, primary_key=True), Column("evidence", Integer, nullable=False),
                prefixes=["TEMPORARY"])


def _drop_matches(session: Session, dialect: str) -> None:
    schema = "pg_temp" if dialect == "postgresql" else "temp"  # never a permanent table of that name
    session.execute(text(f"DROP TABLE IF EXISTS {schema}.{MATCHES.name}"))


def apply_rule(session: Session, tag: TagDefinition, rule: Rule, at: datetime) -> tuple[int, int]:
    """Bring the tag's rule rows in line with its rule: (added, removed)."""
    dialect = session.get_bind().dialect.name
    connection = session.connection()
    if dialect == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{RULES_WORK_MEM}'"))
    _drop_matches(session, dialect)
    MATCHES.create(connection)
    connection.execute(insert(MATCHES).from_select(["member_id", "merchant_id", "evidence"],
                                                   matches(dialect, tag.alliance_id, rule, at)))
    if dialect == "postgresql":
        session.execute(text(f"ANALYZE {MATCHES.name}"))
    fresh = MATCHES.c
    rule_rows = and_(MemberTag.tag_id == tag.id, MemberTag.source == TagSource.RULE.value)
    still = exists().where(fresh.member_id == MemberTag.member_id, fresh.merchant_id == MemberTag.merchant_id)
    removed = _count(connection.execute(delete(MemberTag).where(rule_rows, ~still)))
    already = exists().where(rule_rows, MemberTag.member_id == fresh.member_id,
                             MemberTag.merchant_id == fresh.merchant_id)
    added = _count(connection.execute(insert(MemberTag).from_select(
        ["alliance_id", "member_id", "tag_id", "source", "merchant_id", "evidence", "note", "at"],
        select(literal(tag.alliance_id), fresh.member_id, literal(tag.id), literal(TagSource.RULE.value),
               fresh.merchant_id, fresh.evidence, literal(""), literal(at, UTCDateTime()))
        .select_from(MATCHES).where(~already)).execution_options(preserve_rowcount=True)))
    _drop_matches(session, dialect)
    if dialect == "postgresql" and added + removed >= REANALYZE_AFTER:
        analyze_tags(session)
    return added, removed


def analyze_tags(session: Session) -> None:
    """Fresh statistics of member_tags (PostgreSQL). The next tag's NOT EXISTS is planned on them: with the counts
    of before a large insert the planner takes the table for empty and scans it once per match (minutes at 10⁵
    rows); autovacuum cannot help inside the job's own transaction."""
    session.execute(text("ANALYZE member_tags"))


def _count(result: Any) -> int:
    """Rows a DML statement touched (on the connection: the ORM's DML reports none; an INSERT's only with
    preserve_rowcount)."""
    return int(getattr(result, "rowcount", 0) or 0)


def clear_rule_tags(session: Session, tag_ids: list[int]) -> int:
    """Rule rows of tags that are inactive or have no rule any more."""
    if not tag_ids:
        return 0
    return _count(session.connection().execute(delete(MemberTag).where(MemberTag.tag_id.in_(tag_ids),
                                                          MemberTag.source == TagSource.RULE.value)))
