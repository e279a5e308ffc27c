from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from lianmeng.db import in_keys
from lianmeng.kit import crypto
from lianmeng.members.domain import PENDING
from lianmeng.members.models import Member, Membership
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import MAX_ID, get_scoped, scoped_select


def phone_hash(alliance_id: int, phone: str) -> str:
    """The keyed hash stored with a phone (current key)."""
    return crypto.lookup_hash(f"{alliance_id}:{phone}")


def phone_hashes(alliance_id: int, phone: str) -> tuple[str, ...]:
    """Every hash a stored row of this phone may hold: current key first, then each retired key while a key
    rotation is under way (docs/operations-keys.md)."""
    return crypto.lookup_hashes(f"{alliance_id}:{phone}")


def member_by_phone(session: Session, alliance_id: int, phone: str) -> Member | None:
    return session.scalars(
        select(Member).where(Member.alliance_id == alliance_id, Member.phone_hash.in_(phone_hashes(alliance_id, phone)))
        .order_by(Member.id)
    ).first()


def member_by_id(session: Session, member_id: int) -> Member | None:
    return session.get(Member, member_id)


def member_by_phone_hash(session: Session, alliance_id: int, hashed: str) -> Member | None:
    """The alliance's member holding a phone known only by its keyed hash (a staff member's, say)."""
    return session.scalars(select(Member).where(Member.alliance_id == alliance_id, Member.phone_hash == hashed)).first()


MAX_MERGE_HOPS = 8  # a tombstone points at its survivor, which may itself have been merged since


def card_holder(session: Session, card_no: str) -> Member | None:
    """The member this card was issued to, tombstone or not (QR versions are checked against it)."""
    return session.scalars(select(Member).where(Member.card_no == card_no)).first()


def survivor_of(session: Session, member: Member) -> Member:
    """A merged member's survivor (docs/merging.md); any other member is itself."""
    for _ in range(MAX_MERGE_HOPS):
        if member.merged_into_id is None:
            return member
        nxt = session.get(Member, member.merged_into_id)
        if nxt is None:
            return member
        member = nxt
    return member


def member_by_card(session: Session, card_no: str) -> Member | None:
    """The member a card number serves: a merged member's card resolves to its survivor."""
    holder = card_holder(session, card_no)
    return None if holder is None else survivor_of(session, holder)


def card_taken(session: Session, card_no: str) -> bool:
    return session.scalar(select(func.count()).where(Member.card_no == card_no)) != 0


def get_member(session: Session, p: Principal, member_id: int) -> Member:
    return get_scoped(session, Member, member_id, policy.members(p), "member")


def list_members(
    p: Principal, *, q: str | None = None, phone_lookup: Sequence[str] | None = None, card_no: str | None = None,
    origin_merchant_id: int | None = None, origin_staff_id: int | None = None, merchant_id: int | None = None,
    gender: str | None = None, status: str | None = None, consent_marketing: bool | None = None,
    tier: str | None = None, tier_merchant_id: int | None = None, among: Sequence[Select[Any]] = (),
) -> Select[Any]:
    """The caller's members (policy.members), narrowed by each filter given. `q`: a name, the start of a card
    number, or four digits that also match the phone's last four (its masked copy ends with them). `tier`: enrolled
    with that tier at `tier_merchant_id` (any merchant when None). `among`: selects of member ids the member must
    be in, each (e.g. a value class from values.repository)."""
    stmt = scoped_select(Member, policy.members(p))
    if q:
        matches = [Member.name.ilike(f"%{q}%"), Member.card_no.like(f"{q}%")]
        if len(q) == 4 and q.isascii() and q.isdigit():
            matches.append(Member.phone_masked.like(f"%{q}"))
        stmt = stmt.where(or_(*matches))
    if tier:
        enrolled = [Membership.member_id == Member.id, Membership.tier == tier]
        if tier_merchant_id is not None:
            enrolled.append(Membership.merchant_id == tier_merchant_id)
        stmt = stmt.where(exists().where(*enrolled))
    for ids in among:
        stmt = stmt.where(Member.id.in_(ids))
    if phone_lookup is not None:
        stmt = stmt.where(Member.phone_hash.in_(phone_lookup))
    if card_no:
        stmt = stmt.where(Member.card_no == card_no)
    if origin_merchant_id is not None:
        stmt = stmt.where(Member.origin_merchant_id == origin_merchant_id)
    if origin_staff_id is not None:
        stmt = stmt.where(Member.origin_staff_id == origin_staff_id)
    if merchant_id is not None:
        stmt = stmt.where(
            exists().where(Membership.member_id == Member.id, Membership.merchant_id == merchant_id)
        )
    if gender:
        stmt = stmt.where(Member.gender == gender)
    if status:
        stmt = stmt.where(Member.status == status)
    if consent_marketing is not None:
        stmt = stmt.where(Member.consent_marketing == consent_marketing)
    return stmt.order_by(Member.id)


def get_membership(session: Session, p: Principal, membership_id: int) -> Membership:
    return get_scoped(session, Membership, membership_id, policy.memberships(p), "membership")


class MemberFacts(NamedTuple):
    """What recording an order needs to know about its member (no personal data)."""

    id: int
    origin_merchant_id: int | None
    origin_staff_id: int | None
    created_at: datetime


def member_facts(session: Session, p: Principal, member_ids: set[int]) -> dict[int, MemberFacts]:
    """The members among these ids the caller may see (others are simply absent): one statement."""
    wanted = sorted(i for i in member_ids if 0 < i <= MAX_ID)
    if not wanted:
        return {}
    stmt = select(Member.id, Member.origin_merchant_id, Member.origin_staff_id, Member.created_at).where(
        in_keys(session, (Member.id,), ((i,) for i in wanted)), policy.members(p))
    return {row.id: MemberFacts(*row) for row in session.execute(stmt)}


def tiers_at(session: Session, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], str | None]:
    """(member id, merchant id) → the member's tier there, for the pairs that are enrolled."""
    if not pairs:
        return {}
    rows = session.execute(select(Membership.member_id, Membership.merchant_id, Membership.tier).where(
        in_keys(session, (Membership.member_id, Membership.merchant_id), pairs)))
    return {(member_id, merchant_id): tier for member_id, merchant_id, tier in rows}


def merchants_of_member(session: Session, member: Member) -> set[int]:
    """The merchants a member belongs to: where it was enrolled first (origin) and every membership."""
    origin = session.scalar(select(Member.origin_merchant_id).where(Member.alliance_id == member.alliance_id,
                                                                    Member.id == member.id))
    enrolled = set(session.scalars(select(Membership.merchant_id).where(Membership.alliance_id == member.alliance_id,
                                                                        Membership.member_id == member.id)))
    return enrolled | ({origin} if origin is not None else set())


def membership_of(session: Session, alliance_id: int, member_id: int, merchant_id: int) -> Membership | None:
    return session.scalars(select(Membership).where(
        Membership.alliance_id == alliance_id, Membership.member_id == member_id, Membership.merchant_id == merchant_id)
    ).first()


def list_memberships(
    p: Principal, *, member_id: int | None = None, merchant_id: int | None = None, tier: str | None = None
) -> Select[Any]:
    stmt = scoped_select(Membership, policy.memberships(p))
    if member_id is not None:
        stmt = stmt.where(Membership.member_id == member_id)
    if merchant_id is not None:
        stmt = stmt.where(Membership.merchant_id == merchant_id)
    if tier:
        stmt = stmt.where(Membership.tier == tier)
    return stmt.order_by(Membership.id)


def count_members(session: Session, alliance_id: int) -> int:
    return session.scalar(select(func.count(Member.id)).where(Member.alliance_id == alliance_id,
                                                              Member.status != PENDING)) or 0


def memberships_in_scope(session: Session, p: Principal, **filters: Any) -> list[Membership]:
    """The memberships `p` may see (`list_memberships` run)."""
    return list(session.scalars(list_memberships(p, **filters)))


def members_by_ids(session: Session, member_ids: set[int]) -> list[Member]:
    """These members (not scoped: the caller has already chosen records it may see)."""
    return list(session.scalars(select(Member).where(Member.id.in_(member_ids))))


def unconfirmed_before(session: Session, before: datetime, alliance_id: int | None = None) -> list[int]:
    """Ids of pending (unproved) members created before `before`, locked."""
    stmt = select(Member.id).where(Member.status == PENDING, Member.created_at < before)
    if alliance_id is not None:
        stmt = stmt.where(Member.alliance_id == alliance_id)
    return list(session.scalars(stmt.with_for_update()))


def alliances_with_unconfirmed(session: Session, before: datetime) -> list[int]:
    stmt = (select(Member.alliance_id).where(Member.status == PENDING, Member.created_at < before)
            .distinct().order_by(Member.alliance_id))
    return [int(a) for a in session.scalars(stmt)]
