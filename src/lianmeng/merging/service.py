"""Merge two members and undo it. Services never commit; each use case runs in a savepoint so a refusal
leaves nothing moved even inside a longer transaction.

Money and points move only by one ledger posting per merge (idempotency key `member-merge:<id>`) and its
reversal (`member-merge:<id>:undo`); points grants, coupons and memberships change hands by reassigning their
member, recorded item by item in `MemberMerge.moved` so that undo restores exactly those.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lianmeng.coupons.models import Coupon
from lianmeng.kit import clock
from lianmeng.kit.errors import Conflict, Forbidden, Invalid
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind
from lianmeng.members.models import Member, Membership
from lianmeng.merging import domain, repository
from lianmeng.merging.domain import Holding, MemberFacts, MergeEventKind, MergeStatus
from lianmeng.merging.models import MemberMerge, MergeEvent
from lianmeng.ownership import service as ownership
from lianmeng.points.models import PointsGrant
from lianmeng.tenancy import Principal, policy
from lianmeng.vehicles import repository as vehicles_repo
from lianmeng.vehicles.models import MemberVehicle

CAUSE = "member_merge"
CAUSE_UNDO = "member_merge_undo"


def _facts(member: Member) -> MemberFacts:
    return MemberFacts(member.id, member.alliance_id, member.status)


def _event(session: Session, p: Principal, merge: MemberMerge, kind: MergeEventKind, reason: str) -> None:
    session.add(MergeEvent(merge_id=merge.id, kind=kind.value, actor_kind=p.kind, actor_id=p.id,
                           actor_label=p.label[:120], reason=reason, at=clock.now()))


def _readable(session: Session, p: Principal, member_id: int) -> Member:
    """The member if the caller may merge it: the operator any in its alliance, a merchant admin its own."""
    return repository.member_for_merge(session, p, member_id)


def merge_members(session: Session, p: Principal, survivor_id: int, absorbed_id: int, reason: str) -> MemberMerge:
    """Move everything the absorbed member holds to the survivor; the absorbed member becomes a tombstone."""
    policy.require_member_merger(p)
    reason = reason.strip()
    if not reason:
        raise Invalid("merge_reason_required")
    if survivor_id == absorbed_id:
        raise Invalid("merge_same_member")
    _readable(session, p, survivor_id)
    _readable(session, p, absorbed_id)
    with session.begin_nested():
        locked = repository.lock_members(session, [survivor_id, absorbed_id])
        survivor, absorbed = locked[survivor_id], locked[absorbed_id]
        refusal = domain.pair_refusal(_facts(survivor), _facts(absorbed))
        if refusal:
            raise Invalid(refusal)
        merge = MemberMerge(alliance_id=survivor.alliance_id, survivor_id=survivor.id, absorbed_id=absorbed.id,
                            status=MergeStatus.IN_FORCE.value, reason=reason[:300], actor_kind=p.kind,
                            actor_id=p.id, actor_label=p.label[:120], merged_at=clock.now(), moved={},
                            merchant_id=p.merchant_id if p.is_merchant_side else None)
        session.add(merge)
        session.flush()
        merge.moved = _move(session, merge, survivor, absorbed)
        absorbed.status, absorbed.merged_into_id = domain.TOMBSTONE, survivor.id
        _event(session, p, merge, MergeEventKind.MERGE, merge.reason)
        session.flush()
    return merge


def _move(session: Session, merge: MemberMerge, survivor: Member, absorbed: Member) -> dict[str, Any]:
    moved: dict[str, Any] = {"status_before": absorbed.status}
    holdings = repository.kept_holdings(session, absorbed.alliance_id, absorbed.id)
    legs = domain.transfer_legs(holdings, absorbed.id, survivor.id)
    if legs:
        try:
            ledger.post(session, merge.alliance_id, f"member-merge:{merge.id}", CAUSE, legs, cause_id=merge.id,
                        memo=f"member {absorbed.id} merged into {survivor.id}")
        except ledger.InsufficientBalance as exc:
            raise Conflict("merge_negative_balance", what=exc.ref.kind.value) from exc
    moved["balances"] = [{"kind": h.kind.value, "scope_id": h.scope_id, "amount": h.amount} for h in holdings]
    grants = repository.live_grants(session, absorbed.id)
    repository.reassign(session, PointsGrant, [g.id for g in grants], absorbed.id, survivor.id)
    moved["grants"] = [{"id": g.id, "remaining": g.remaining} for g in grants]
    coupons = repository.held_coupons(session, absorbed.id)
    repository.reassign(session, Coupon, [c.id for c in coupons], absorbed.id, survivor.id)
    moved["coupons"] = [{"id": c.id, "uses_left": c.uses_left} for c in coupons]
    cars = vehicles_repo.ids_of(session, absorbed.id)
    repository.reassign(session, MemberVehicle, cars, absorbed.id, survivor.id)
    moved["vehicles"] = cars  # one car is on one member: the survivor's now
    theirs = repository.memberships(session, absorbed.id)
    ours = {m.merchant_id for m in repository.memberships(session, survivor.id)}
    move, stay = domain.memberships_to_move(ours, [(m.id, m.merchant_id) for m in theirs])
    repository.reassign(session, Membership, move, absorbed.id, survivor.id)
    moved["memberships"] = move
    moved["memberships_kept_by_survivor"] = [
        {"id": m.id, "merchant_id": m.merchant_id, "tier": m.tier} for m in theirs if m.id in stay]
    moved["origin"] = None
    if survivor.origin_merchant_id is None and absorbed.origin_merchant_id is not None:
        moved["origin"] = {"merchant_id": absorbed.origin_merchant_id, "store_id": absorbed.origin_store_id,
                           "staff_id": absorbed.origin_staff_id}
        survivor.origin_merchant_id = absorbed.origin_merchant_id
        survivor.origin_store_id = absorbed.origin_store_id
        survivor.origin_staff_id = absorbed.origin_staff_id
    ownership.move_on_merge(session, survivor.id, absorbed.id)
    return moved


def unmerge(session: Session, p: Principal, merge_id: int, reason: str) -> MemberMerge:
    """Reverse a merge within the window, item by item, or refuse (409, the reason in words) when the survivor
    has since used what moved: spent the points, used a coupon, spent the stored value."""
    policy.require_member_merger(p)
    reason = reason.strip()
    if not reason:
        raise Invalid("merge_reason_required")
    merge = repository.get_merge(session, p, merge_id)
    if p.is_merchant_side and merge.merchant_id != p.merchant_id:  # a merchant admin undoes only its own merges
        raise Forbidden()
    with session.begin_nested():
        merge = repository.get_merge(session, p, merge_id, lock=True)
        if merge.status != MergeStatus.IN_FORCE.value:
            raise Conflict("unmerge_already_undone")
        if not domain.undo_open(merge.merged_at, clock.now()):
            raise Conflict("unmerge_window_closed", days=domain.UNDO_WINDOW_DAYS)
        locked = repository.lock_members(session, [merge.survivor_id, merge.absorbed_id])
        survivor, absorbed = locked[merge.survivor_id], locked[merge.absorbed_id]
        if survivor.status == domain.TOMBSTONE:
            raise Conflict("unmerge_survivor_merged")
        _restore(session, merge, survivor, absorbed)
        absorbed.status = str(merge.moved.get("status_before") or "active")
        absorbed.merged_into_id = None
        merge.status, merge.undone_at, merge.undo_reason = MergeStatus.REVERSED.value, clock.now(), reason[:300]
        _event(session, p, merge, MergeEventKind.UNDO, reason[:300])
        session.flush()
    return merge


def _restore(session: Session, merge: MemberMerge, survivor: Member, absorbed: Member) -> None:
    moved = merge.moved
    holdings = [Holding(AccountKind(b["kind"]), int(b["scope_id"]), int(b["amount"])) for b in moved["balances"]]
    now_have = {(h.kind, h.scope_id): h.amount
                for h in repository.kept_holdings(session, merge.alliance_id, survivor.id)}
    short = domain.undo_shortfalls(holdings, now_have)
    if short:
        raise Conflict("unmerge_spent", what=short[0].kind.value, missing=short[0].amount)
    grants = {g.id: g for g in _grants(session, [int(g["id"]) for g in moved["grants"]])}
    for g in moved["grants"]:
        grant = grants.get(int(g["id"]))
        if grant is None or grant.member_id != survivor.id or grant.remaining != int(g["remaining"]):
            spent = sum(int(m["remaining"]) - _left(grants.get(int(m["id"])), survivor.id) for m in moved["grants"])
            raise Conflict("unmerge_spent", what=AccountKind.POINTS.value, missing=spent)
    coupons = {c.id: c for c in _coupons(session, [int(c["id"]) for c in moved["coupons"]])}
    for c in moved["coupons"]:
        coupon = coupons.get(int(c["id"]))
        if coupon is None or coupon.member_id != survivor.id or coupon.uses_left != int(c["uses_left"]):
            raise Conflict("unmerge_coupon_used")
    legs = domain.transfer_legs(holdings, survivor.id, absorbed.id)
    if legs:
        try:
            ledger.post(session, merge.alliance_id, f"member-merge:{merge.id}:undo", CAUSE_UNDO, legs,
                        cause_id=merge.id, memo=f"member {absorbed.id} split from {survivor.id}")
        except ledger.InsufficientBalance as exc:
            raise Conflict("unmerge_spent", what=exc.ref.kind.value, missing=0) from exc
    repository.reassign(session, PointsGrant, list(grants), survivor.id, absorbed.id)
    repository.reassign(session, Coupon, list(coupons), survivor.id, absorbed.id)
    repository.reassign(session, Membership, [int(i) for i in moved["memberships"]], survivor.id, absorbed.id)
    repository.reassign(session, MemberVehicle, [int(i) for i in moved.get("vehicles", [])], survivor.id,
                        absorbed.id)  # those the survivor still has (not removed since)
    origin = moved.get("origin")
    if origin and survivor.origin_merchant_id == origin["merchant_id"]:
        survivor.origin_merchant_id = survivor.origin_store_id = survivor.origin_staff_id = None
    ownership.restore_on_unmerge(session, survivor.id, absorbed.id)


def _left(grant: PointsGrant | None, holder: int) -> int:
    return 0 if grant is None or grant.member_id != holder else grant.remaining


def _grants(session: Session, ids: list[int]) -> list[PointsGrant]:
    return [g for i in ids if (g := session.get(PointsGrant, i, with_for_update=True)) is not None]


def _coupons(session: Session, ids: list[int]) -> list[Coupon]:
    return [c for i in ids if (c := session.get(Coupon, i, with_for_update=True)) is not None]
