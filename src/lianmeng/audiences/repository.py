"""Audience queries: the rules as ONE select over the merchant's own members, and the saved audiences.

Every rule is a condition on `members` or an EXISTS subquery on an indexed table (member_values by
(member_id, merchant_id), member_tags by (tag_id, member_id), orders by member_id), so PostgreSQL counts an
audience of a million members with one pass over members and index probes, and never builds a list in Python.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, not_, or_, select, true
from sqlalchemy.orm import Session

from lianmeng.audiences.domain import AudienceRules
from lianmeng.audiences.models import Audience
from lianmeng.members.domain import PENDING
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.models import Store
from lianmeng.merging.domain import TOMBSTONE
from lianmeng.orders.models import Order
from lianmeng.tags.models import MemberTag, TagDefinition
from lianmeng.values.models import MemberValue

DECLARED = "declared"  # a tag the member declared: every merchant of the alliance may use it


def own_condition(alliance_id: int, merchant_id: int) -> ColumnElement[bool]:
    """A merchant's OWN members: those it brought in (归属) or enrolled at it (the tenancy rule for members).
    A merged member's tombstone is nobody's member (its survivor is counted, and offered, once)."""
    enrolled = exists().where(Membership.member_id == Member.id, Membership.merchant_id == merchant_id)
    return and_(Member.alliance_id == alliance_id, Member.status.notin_((PENDING, TOMBSTONE)),
                or_(Member.origin_merchant_id == merchant_id, enrolled))


def _value_row(alliance_id: int, merchant_id: int | None, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    scope = MemberValue.merchant_id.is_(None) if merchant_id is None else MemberValue.merchant_id == merchant_id
    return exists().where(MemberValue.member_id == Member.id, scope, MemberValue.alliance_id == alliance_id,
                          *conditions)


def _tagged(alliance_id: int, merchant_id: int, tag_ids: list[int]) -> ColumnElement[bool]:
    return exists().where(MemberTag.member_id == Member.id, MemberTag.tag_id.in_(tag_ids),
                          MemberTag.alliance_id == alliance_id,
                          or_(MemberTag.merchant_id == merchant_id, MemberTag.source == DECLARED))


def rule_conditions(alliance_id: int, merchant_id: int, rules: AudienceRules, tag_ids: dict[str, int],
                    now: datetime) -> list[ColumnElement[bool]]:
    """The rules as SQL conditions on Member (the refusal of offers and the consents included)."""
    out: list[ColumnElement[bool]] = []
    own_value: list[ColumnElement[bool]] = []
    if rules.monetary_min_fen is not None:
        own_value.append(MemberValue.monetary_fen >= rules.monetary_min_fen)
    if rules.monetary_max_fen is not None:
        own_value.append(MemberValue.monetary_fen <= rules.monetary_max_fen)
    if rules.classes:
        own_value.append(MemberValue.rfm_class.in_(rules.classes))
    if rules.min_frequency:
        own_value.append(MemberValue.frequency >= rules.min_frequency)
    if rules.recency_max_days is not None:
        own_value.append(MemberValue.last_order_at >= now - timedelta(days=rules.recency_max_days))
    if rules.recency_min_days is not None:
        own_value.append(MemberValue.last_order_at <= now - timedelta(days=rules.recency_min_days))
    if own_value:
        out.append(_value_row(alliance_id, merchant_id, *own_value))
    stars: list[ColumnElement[bool]] = []
    if rules.stars_min is not None:
        stars.append(MemberValue.stars >= rules.stars_min)
    if rules.stars_max is not None:
        stars.append(MemberValue.stars <= rules.stars_max)
    if stars:
        out.append(_value_row(alliance_id, None, *stars))
    if rules.tags_any:
        out.append(_tagged(alliance_id, merchant_id, [tag_ids[c] for c in rules.tags_any]))
    for code in rules.tags_all:
        out.append(_tagged(alliance_id, merchant_id, [tag_ids[code]]))
    if rules.store_ids:
        ordered_there = exists().where(Order.member_id == Member.id, Order.merchant_id == merchant_id,
                                       Order.store_id.in_(rules.store_ids))
        out.append(or_(Member.origin_store_id.in_(rules.store_ids), ordered_there))
    if rules.marketing_consent:
        out.append(Member.consent_marketing.is_(True))
    if rules.data_sharing_consent:
        out.append(Member.consent_data_sharing.is_(True))
    return out


def not_refused() -> ColumnElement[bool]:
    return Member.offers_refused.is_(False)


def member_ids(alliance_id: int, merchant_id: int, rules: AudienceRules, tag_ids: dict[str, int], now: datetime,
               *, exclude_refused: bool) -> Select[Any]:
    conditions = rule_conditions(alliance_id, merchant_id, rules, tag_ids, now)
    if exclude_refused:
        conditions.append(not_refused())
    return select(Member.id).where(own_condition(alliance_id, merchant_id), *conditions)


def counts(session: Session, alliance_id: int, merchant_id: int, rules: AudienceRules, tag_ids: dict[str, int],
           now: datetime) -> tuple[int, int, int, int]:
    """(total, with marketing consent, with data-sharing consent, refused) in one pass. `refused` counts members
    who match every other rule but refused personalised offers (left out of the total when the rules say so)."""
    refused = Member.offers_refused.is_(True)
    kept = not_(refused) if rules.exclude_refused else true()

    def tally(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    stmt = select(tally(kept), tally(and_(kept, Member.consent_marketing.is_(True))),
                  tally(and_(kept, Member.consent_data_sharing.is_(True))), tally(refused)).where(
        own_condition(alliance_id, merchant_id), *rule_conditions(alliance_id, merchant_id, rules, tag_ids, now))
    row = session.execute(stmt).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def tag_ids_of(session: Session, alliance_id: int, codes: set[str]) -> dict[str, int]:
    """Codes of the alliance's active tags → ids (unknown codes are absent)."""
    if not codes:
        return {}
    rows = session.execute(select(TagDefinition.code, TagDefinition.id).where(
        TagDefinition.alliance_id == alliance_id, TagDefinition.code.in_(sorted(codes)),
        TagDefinition.active.is_(True)))
    return {code: id_ for code, id_ in rows}


def own_store_ids(session: Session, merchant_id: int, store_ids: list[int]) -> set[int]:
    if not store_ids:
        return set()
    return set(session.scalars(select(Store.id).where(Store.merchant_id == merchant_id, Store.id.in_(store_ids))))


def stores_of(session: Session, merchant_id: int) -> list[Store]:
    return list(session.scalars(select(Store).where(Store.merchant_id == merchant_id).order_by(Store.id)))


def tags_of(session: Session, alliance_id: int) -> list[TagDefinition]:
    return list(session.scalars(select(TagDefinition).where(
        TagDefinition.alliance_id == alliance_id, TagDefinition.active.is_(True)).order_by(
        TagDefinition.group, TagDefinition.code)))


def list_audiences(session: Session, scope: ColumnElement[bool], *, archived: bool) -> list[Audience]:
    stmt = select(Audience).where(scope)
    if not archived:
        stmt = stmt.where(Audience.archived.is_(False))
    return list(session.scalars(stmt.order_by(Audience.id.desc())))
