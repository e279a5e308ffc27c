"""Queries of merging, scoped by tenancy.policy.member_merges."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from lianmeng.agreements.domain import AgreementStatus
from lianmeng.agreements.models import Agreement
from lianmeng.coupons.models import Coupon
from lianmeng.kit.errors import NotFound
from lianmeng.ledger.domain import AccountKind, OwnerType
from lianmeng.ledger.models import Account, Entry
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.models import Merchant, Staff, Store
from lianmeng.merging.domain import Holding, MerchantBlockers, PlaceKind
from lianmeng.merging.models import MemberMerge, MergeEvent, PlaceMerge, PlaceMergeEvent
from lianmeng.partners.models import Candidate
from lianmeng.points.models import PointsGrant
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped, scoped_select


def member_for_merge(session: Session, p: Principal, member_id: int) -> Member:
    """A member the caller may merge, tombstones included (so a merge into one is refused in words, not 404)."""
    return get_scoped(session, Member, member_id, policy.members(p, with_tombstones=True), "member")


def lock_members(session: Session, ids: list[int]) -> dict[int, Member]:
    """Both members locked in id order (the lock order every writer follows), so two merges of the same pair
    serialise instead of deadlocking. Read as committed once locked (populate_existing), not as the session
    may already hold them from the access check: a merge that waited must see the other's tombstone."""
    rows = session.scalars(select(Member).where(Member.id.in_(ids)).order_by(Member.id).with_for_update()
                           .execution_options(populate_existing=True)).all()
    return {m.id: m for m in rows}


def kept_holdings(session: Session, alliance_id: int, member_id: int) -> list[Holding]:
    """Every non-zero kept balance the member owns (points, points debt, stored value per merchant, any rebate)."""
    rows = session.execute(
        select(Account.kind, Account.scope_id, Account.balance).where(
            Account.alliance_id == alliance_id, Account.owner_type == OwnerType.MEMBER.value,
            Account.owner_id == member_id, Account.derived.is_(False), Account.balance != 0,
        ).order_by(Account.id).with_for_update()
    ).all()
    return [Holding(AccountKind(kind), scope, balance) for kind, scope, balance in rows]


def memberships(session: Session, alliance_id: int, member_id: int) -> list[Membership]:
    return list(session.scalars(select(Membership).where(Membership.alliance_id == alliance_id,
                                                         Membership.member_id == member_id)
                                .order_by(Membership.id)))


def live_grants(session: Session, alliance_id: int, member_id: int) -> list[PointsGrant]:
    return list(session.scalars(select(PointsGrant).where(PointsGrant.alliance_id == alliance_id,
                                                          PointsGrant.member_id == member_id,
                                                          PointsGrant.remaining > 0).order_by(PointsGrant.id)
                                .with_for_update()))


def held_coupons(session: Session, alliance_id: int, member_id: int) -> list[Coupon]:
    """Coupons the member still holds with uses left (expired ones move too: they are the member's history)."""
    return list(session.scalars(select(Coupon).where(Coupon.alliance_id == alliance_id, Coupon.member_id == member_id,
                                                     Coupon.uses_left > 0)
                                .order_by(Coupon.id).with_for_update()))


def reassign(session: Session, alliance_id: int, model: Any, ids: list[int], from_member: int, to_member: int) -> int:
    """Move rows by id from one member to the other; only rows still held by `from_member` move."""
    if not ids:
        return 0
    result = session.execute(update(model).where(model.alliance_id == alliance_id, model.id.in_(ids),
                                                 model.member_id == from_member)
                             .values(member_id=to_member).execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- merges of either kind: members (MemberMerge) or places (PlaceMerge) ------------------------------------------

MergeRecord = TypeVar("MergeRecord", MemberMerge, PlaceMerge)
#: Who may see a merge of each kind, the word its 404 names, and the table of its history lines.
_SCOPES: dict[type[Any], tuple[Callable[[Principal], ColumnElement[bool]], str]] = {
    MemberMerge: (policy.member_merges, "member_merge"), PlaceMerge: (policy.place_merges, "place_merge")}
_EVENTS: dict[type[Any], type[MergeEvent] | type[PlaceMergeEvent]] = {
    MemberMerge: MergeEvent, PlaceMerge: PlaceMergeEvent}


def get_merge(session: Session, p: Principal, record: type[MergeRecord], merge_id: int, *,
              lock: bool = False) -> MergeRecord:
    """A merge the caller may see (404 otherwise); with `lock`, locked and read as committed."""
    scope, word = _SCOPES[record]
    if not lock:
        return get_scoped(session, record, merge_id, scope(p), word)
    found = session.scalars(select(record).where(record.id == merge_id, scope(p))
                            .with_for_update().execution_options(populate_existing=True)).first()
    if found is None:
        raise NotFound(word)
    return found


def list_merges(p: Principal, record: type[MergeRecord], *, involving: int | None = None, status: str | None = None,
                kind: str | None = None) -> Select[Any]:
    """The merges the caller may see, newest first; `involving`: only those where that member or place survived or
    was absorbed; `kind`: only place merges of that PlaceKind."""
    scope, _ = _SCOPES[record]
    stmt = scoped_select(record, scope(p)).order_by(record.id.desc())
    if kind:
        if record is not PlaceMerge:
            raise ValueError("only place merges have a kind")
        stmt = stmt.where(PlaceMerge.kind == kind)
    if involving is not None:
        stmt = stmt.where((record.survivor_id == involving) | (record.absorbed_id == involving))
    if status:
        stmt = stmt.where(record.status == status)
    return stmt


def events(session: Session, merge: MemberMerge | PlaceMerge) -> list[MergeEvent | PlaceMergeEvent]:
    """A merge's history lines, oldest first."""
    event = _EVENTS[type(merge)]
    return list(session.scalars(select(event).where(event.alliance_id == merge.alliance_id, event.merge_id == merge.id)
                                .order_by(event.id)))


# --- places ------------------------------------------------------------------------------------------------------

Place = Store | Candidate | Merchant
PLACE_MODELS: dict[PlaceKind, type[Store] | type[Candidate] | type[Merchant]] = {
    PlaceKind.STORE: Store, PlaceKind.PROSPECT: Candidate, PlaceKind.MERCHANT: Merchant}
PLACE_WORDS = {PlaceKind.STORE: "store", PlaceKind.PROSPECT: "candidate", PlaceKind.MERCHANT: "merchant"}
# a blocking agreement: in force, or on its way to be (a party cannot change under it)
BLOCKING_AGREEMENTS = (AgreementStatus.PROPOSED.value, AgreementStatus.ACCEPTED.value, AgreementStatus.ACTIVE.value,
                       AgreementStatus.SUSPENDED.value)
CHUNK = 500  # ids per IN list


def _place_scope(p: Principal, kind: PlaceKind) -> ColumnElement[bool]:
    if kind is PlaceKind.STORE:
        return policy.stores(p)
    if kind is PlaceKind.PROSPECT:
        return policy.candidates(p)
    return policy.merchants(p)


def place_for_merge(session: Session, p: Principal, kind: PlaceKind, place_id: int) -> Place:
    """A place the caller may see (404 otherwise); merged ones included, so a merge into one is refused in words."""
    model: Any = PLACE_MODELS[kind]
    return get_scoped(session, model, place_id, _place_scope(p, kind), PLACE_WORDS[kind])  # type: ignore[no-any-return]


def lock_places(session: Session, kind: PlaceKind, ids: list[int]) -> dict[int, Any]:
    """Both places locked in id order, so two merges of the same pair serialise instead of deadlocking."""
    model: Any = PLACE_MODELS[kind]
    rows = session.scalars(select(model).where(model.id.in_(ids)).order_by(model.id).with_for_update()
                           .execution_options(populate_existing=True)).all()  # the rows as locked, not as read
    return {r.id: r for r in rows}


def store_alliance(session: Session, store: Store) -> int:
    return int(session.scalar(select(Merchant.alliance_id).where(Merchant.id == store.merchant_id)) or 0)


def merchant_blockers(session: Session, merchant: Merchant) -> MerchantBlockers:
    """What keeps a merchant from being absorbed: ledger entries on its own accounts, its staff's, or scoped to it
    (its members' stored value), and agreements with it in force or pending."""
    staff_ids = select(Staff.id).where(Staff.merchant_id == merchant.id)
    accounts = select(Account.id).where(Account.alliance_id == merchant.alliance_id, or_(
        (Account.owner_type == OwnerType.MERCHANT.value) & (Account.owner_id == merchant.id),
        (Account.owner_type == OwnerType.STAFF.value) & Account.owner_id.in_(staff_ids),
        (Account.kind == AccountKind.STORED_VALUE.value) & (Account.scope_id == merchant.id)))
    entries = int(session.scalar(select(func.count(Entry.id)).where(Entry.account_id.in_(accounts))) or 0)
    agreements = tuple(session.scalars(select(Agreement.id).where(
        or_(Agreement.merchant_a_id == merchant.id, Agreement.merchant_b_id == merchant.id),
        Agreement.status.in_(BLOCKING_AGREEMENTS)).order_by(Agreement.id)))
    return MerchantBlockers(entries, agreements)


@dataclass(frozen=True)
class Reassign:
    """One column that points at a place and moves with it: rows whose `column` is the absorbed id get the
    survivor's. `unique_with`: a row whose partner value (e.g. the member of a membership) already has a row at
    the survivor stays where it is (the survivor's is kept). `where`: only such rows move."""

    column: InstrumentedAttribute[Any]
    unique_with: InstrumentedAttribute[Any] | None = None
    where: ColumnElement[bool] | None = None

    @property
    def model(self) -> Any:
        return self.column.class_

    @property
    def key(self) -> str:
        return f"{self.model.__tablename__}.{self.column.key}"


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def move_rows(session: Session, spec: Reassign, absorbed: int, survivor: int) -> tuple[list[int], list[int]]:
    """(ids of the rows moved to the survivor, ids left on the absorbed place because the survivor already has
    their partner)."""
    model = spec.model
    cond: list[ColumnElement[bool]] = [spec.column == absorbed]
    if spec.where is not None:
        cond.append(spec.where)
    ids = list(session.scalars(select(model.id).where(*cond).order_by(model.id).with_for_update()))
    kept: list[int] = []
    if spec.unique_with is not None and ids:
        taken = set(session.scalars(select(spec.unique_with).where(spec.column == survivor,
                                                                   spec.unique_with.is_not(None))))
        partners: dict[int, Any] = {}
        for chunk in _chunks(ids):
            partners.update((r[0], r[1]) for r in session.execute(
                select(model.id, spec.unique_with).where(model.id.in_(chunk))))
        kept = [i for i in ids if partners.get(i) is not None and partners[i] in taken]
        ids = [i for i in ids if i not in set(kept)]
    _set(session, spec, ids, absorbed, survivor)
    return ids, kept


def _set(session: Session, spec: Reassign, ids: Sequence[int], old: int, new: int) -> None:
    for chunk in _chunks(ids):
        session.execute(update(spec.model).where(spec.model.id.in_(chunk), spec.column == old)
                        .values({spec.column.key: new}).execution_options(synchronize_session=False))


def rows_at(session: Session, spec: Reassign, ids: Sequence[int], place_id: int) -> set[int]:
    """Which of these rows point at the place now (locked: undo moves exactly these back)."""
    out: set[int] = set()
    for chunk in _chunks(ids):
        out.update(session.scalars(select(spec.model.id).where(spec.model.id.in_(chunk), spec.column == place_id)
                                   .with_for_update()))
    return out


def partner_clashes(session: Session, spec: Reassign, ids: Sequence[int], absorbed: int) -> int:
    """How many rows now at the absorbed place share a partner with the rows undo would move back (e.g. a member
    who has since joined the absorbed merchant again): moving back would duplicate them."""
    if spec.unique_with is None or not ids:
        return 0
    partners: set[Any] = set()
    for chunk in _chunks(ids):
        partners.update(session.scalars(select(spec.unique_with).where(spec.model.id.in_(chunk))))
    partners.discard(None)
    if not partners:
        return 0
    return int(session.scalar(select(func.count()).select_from(spec.model).where(
        spec.column == absorbed, spec.unique_with.in_(list(partners)))) or 0)


def move_back(session: Session, spec: Reassign, ids: Sequence[int], survivor: int, absorbed: int) -> None:
    _set(session, spec, ids, survivor, absorbed)


def place_names(session: Session, merges: Sequence[PlaceMerge]) -> dict[tuple[str, int], str]:
    """Each merged place's name, by (kind, id)."""
    out: dict[tuple[str, int], str] = {}
    for kind, model in PLACE_MODELS.items():
        wanted = {i for m in merges if m.kind == kind.value for i in (m.survivor_id, m.absorbed_id)}
        if wanted:
            for pid, name in session.execute(select(model.id, model.name).where(model.id.in_(wanted))):
                out[(kind.value, pid)] = name
    return out
