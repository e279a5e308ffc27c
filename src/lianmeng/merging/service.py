"""Merge two members and undo it. Services never commit; each use case runs in a savepoint so a refusal
leaves nothing moved even inside a longer transaction.

Money and points move only by one ledger posting per merge (idempotency key `member-merge:<id>`) and its
reversal (`member-merge:<id>:undo`); points grants, coupons and memberships change hands by reassigning their
member, recorded item by item in `MemberMerge.moved` so that undo restores exactly those.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.auth.models import User
from lianmeng.coupons.models import ClaimLink, Coupon, CouponTemplate
from lianmeng.kit import clock
from lianmeng.kit.errors import Conflict, Forbidden, Invalid
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import KIND_RULES, AccountKind, PostingCause
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.domain import MerchantStatus
from lianmeng.merchants.models import Merchant, Staff, Store
from lianmeng.merging import domain, repository
from lianmeng.merging.domain import Holding, MemberFacts, MergeEventKind, MergeStatus, MovedRows, PlaceFacts, PlaceKind
from lianmeng.merging.errors import Problem
from lianmeng.merging.models import MemberMerge, MergeEvent, PlaceMerge, PlaceMergeEvent
from lianmeng.merging.repository import Reassign
from lianmeng.ownership import service as ownership
from lianmeng.ownership.models import MemberOwner
from lianmeng.partners.domain import CandidateStatus
from lianmeng.partners.models import Candidate, CandidateStore, MysteryVisit, SincerityAnswer
from lianmeng.points.models import PointsGrant
from lianmeng.prospects.models import OverlapComputation, OverlapInvitation
from lianmeng.recruiting.models import Application
from lianmeng.tenancy import Principal, policy
from lianmeng.vehicles import repository as vehicles_repo
from lianmeng.vehicles.models import MemberVehicle
from lianmeng.webhooks import service as webhooks
from lianmeng.webhooks.domain import EventType

CAUSE = PostingCause.MEMBER_MERGE
CAUSE_UNDO = PostingCause.MEMBER_MERGE_UNDO


def _facts(member: Member) -> MemberFacts:
    return MemberFacts(member.id, member.alliance_id, member.status)


def _event(session: Session, p: Principal, merge: MemberMerge, kind: MergeEventKind, reason: str) -> None:
    session.add(MergeEvent(alliance_id=merge.alliance_id,
                           merge_id=merge.id, kind=kind.value, actor_kind=p.kind, actor_id=p.id,
                           actor_label=p.label[:120], reason=reason, at=clock.now()))
    undo = kind is MergeEventKind.UNDO
    audit.record(session, p, AuditAction.MEMBER_UNMERGE if undo else AuditAction.MEMBER_MERGE, merge.id,
                 alliance_id=merge.alliance_id,
                 before={"status": MergeStatus.IN_FORCE.value} if undo else {"absorbed_status": merge.moved.get(
                     "status_before")},
                 after={"survivor_id": merge.survivor_id, "absorbed_id": merge.absorbed_id, "status": merge.status,
                        "reason": reason})


def _readable(session: Session, p: Principal, member_id: int) -> Member:
    """The member if the caller may merge it: the operator any in its alliance, a merchant admin its own."""
    return repository.member_for_merge(session, p, member_id)


def merge_members(session: Session, p: Principal, survivor_id: int, absorbed_id: int, reason: str) -> MemberMerge:
    """Move everything the absorbed member holds to the survivor; the absorbed member becomes a tombstone."""
    policy.require_member_merger(p)
    reason = reason.strip()
    if not reason:
        raise Invalid(Problem.MERGE_REASON_REQUIRED)
    if survivor_id == absorbed_id:
        raise Invalid(Problem.MERGE_SAME_MEMBER)
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
        # merchants that hold both members may see both ids; others are not told (webhooks: docs/webhooks.md)
        both = {m.merchant_id for m in repository.memberships(session, survivor.alliance_id, survivor.id)} & {
            m.merchant_id for m in repository.memberships(session, absorbed.alliance_id, absorbed.id)}
        merge.moved = _move(session, merge, survivor, absorbed)
        absorbed.status, absorbed.merged_into_id = domain.TOMBSTONE, survivor.id
        _event(session, p, merge, MergeEventKind.MERGE, merge.reason)
        session.flush()
        webhooks.emit(session, merge.alliance_id, None, EventType.MEMBER_MERGED, {
            "merge_id": merge.id, "survivor_member_id": survivor.id, "absorbed_member_id": absorbed.id,
            "merged_at": merge.merged_at.isoformat()}, parties=sorted(both))
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
            raise Conflict(Problem.MERGE_NEGATIVE_BALANCE, what=exc.ref.kind.value) from exc
    moved["balances"] = [{"kind": h.kind.value, "scope_id": h.scope_id, "amount": h.amount} for h in holdings]
    grants = repository.live_grants(session, absorbed.alliance_id, absorbed.id)
    repository.reassign(session, absorbed.alliance_id, PointsGrant, [g.id for g in grants], absorbed.id, survivor.id)
    moved["grants"] = [{"id": g.id, "remaining": g.remaining} for g in grants]
    coupons = repository.held_coupons(session, absorbed.alliance_id, absorbed.id)
    repository.reassign(session, absorbed.alliance_id, Coupon, [c.id for c in coupons], absorbed.id, survivor.id)
    moved["coupons"] = [{"id": c.id, "uses_left": c.uses_left} for c in coupons]
    cars = vehicles_repo.ids_to_move(session, absorbed.id, survivor.id)
    repository.reassign(session, absorbed.alliance_id, MemberVehicle, cars, absorbed.id, survivor.id)
    moved["vehicles"] = cars
    theirs = repository.memberships(session, absorbed.alliance_id, absorbed.id)
    ours = {m.merchant_id for m in repository.memberships(session, survivor.alliance_id, survivor.id)}
    move, stay = domain.memberships_to_move(ours, [(m.id, m.merchant_id) for m in theirs])
    repository.reassign(session, absorbed.alliance_id, Membership, move, absorbed.id, survivor.id)
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
    ownership.move_on_merge(session, survivor.alliance_id, survivor.id, absorbed.id)
    return moved


def unmerge(session: Session, p: Principal, merge_id: int, reason: str) -> MemberMerge:
    """Reverse a merge within the window, item by item, or refuse (409, the reason in words) when the survivor
    has since used what moved: spent the points, used a coupon, spent the stored value."""
    policy.require_member_merger(p)
    reason = reason.strip()
    if not reason:
        raise Invalid(Problem.MERGE_REASON_REQUIRED)
    merge = repository.get_merge(session, p, MemberMerge, merge_id)
    if p.is_merchant_side and merge.merchant_id != p.merchant_id:  # a merchant admin undoes only its own merges
        raise Forbidden()
    with session.begin_nested():
        merge = repository.get_merge(session, p, MemberMerge, merge_id, lock=True)
        if merge.status != MergeStatus.IN_FORCE.value:
            raise Conflict(Problem.UNMERGE_ALREADY_UNDONE)
        if not domain.undo_open(merge.merged_at, clock.now()):
            raise Conflict(Problem.UNMERGE_WINDOW_CLOSED, days=domain.UNDO_WINDOW_DAYS)
        locked = repository.lock_members(session, [merge.survivor_id, merge.absorbed_id])
        survivor, absorbed = locked[merge.survivor_id], locked[merge.absorbed_id]
        if survivor.status == domain.TOMBSTONE:
            raise Conflict(Problem.UNMERGE_SURVIVOR_MERGED)
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
        owed = KIND_RULES[short[0].kind].may_go_negative  # a moved debt the survivor has since repaid
        raise Conflict(Problem.UNMERGE_REPAID if owed else "unmerge_spent", what=short[0].kind.value,
                       missing=short[0].amount)
    grants = {g.id: g for g in _grants(session, [int(g["id"]) for g in moved["grants"]])}
    for g in moved["grants"]:
        grant = grants.get(int(g["id"]))
        if grant is None or grant.member_id != survivor.id or grant.remaining != int(g["remaining"]):
            spent = sum(int(m["remaining"]) - _left(grants.get(int(m["id"])), survivor.id) for m in moved["grants"])
            raise Conflict(Problem.UNMERGE_SPENT, what=AccountKind.POINTS.value, missing=spent)
    coupons = {c.id: c for c in _coupons(session, [int(c["id"]) for c in moved["coupons"]])}
    for c in moved["coupons"]:
        coupon = coupons.get(int(c["id"]))
        if coupon is None or coupon.member_id != survivor.id or coupon.uses_left != int(c["uses_left"]):
            raise Conflict(Problem.UNMERGE_COUPON_USED)
    legs = domain.transfer_legs(holdings, survivor.id, absorbed.id)
    if legs:
        try:
            ledger.post(session, merge.alliance_id, f"member-merge:{merge.id}:undo", CAUSE_UNDO, legs,
                        cause_id=merge.id, memo=f"member {absorbed.id} split from {survivor.id}")
        except ledger.InsufficientBalance as exc:
            raise Conflict(Problem.UNMERGE_SPENT, what=exc.ref.kind.value, missing=0) from exc
    alliance_id = absorbed.alliance_id
    repository.reassign(session, alliance_id, PointsGrant, list(grants), survivor.id, absorbed.id)
    repository.reassign(session, alliance_id, Coupon, list(coupons), survivor.id, absorbed.id)
    repository.reassign(session, alliance_id, Membership, [int(i) for i in moved["memberships"]], survivor.id,
                        absorbed.id)
    repository.reassign(session, alliance_id, MemberVehicle, [int(i) for i in moved.get("vehicles", [])],
                        survivor.id, absorbed.id)  # those the survivor still has (not removed since)
    origin = moved.get("origin")
    if origin and survivor.origin_merchant_id == origin["merchant_id"]:
        survivor.origin_merchant_id = survivor.origin_store_id = survivor.origin_staff_id = None
    ownership.restore_on_unmerge(session, survivor.alliance_id, survivor.id, absorbed.id)


def _left(grant: PointsGrant | None, holder: int) -> int:
    return 0 if grant is None or grant.member_id != holder else grant.remaining


def _grants(session: Session, ids: list[int]) -> list[PointsGrant]:
    return [g for i in ids if (g := session.get(PointsGrant, i, with_for_update=True)) is not None]


def _coupons(session: Session, ids: list[int]) -> list[Coupon]:
    return [c for i in ids if (c := session.get(Coupon, i, with_for_update=True)) is not None]


# --- places: stores, prospects, merchants ------------------------------------------------------------------------
#
# Living things move to the survivor (who works where, which store a member's future visits are credited to, where
# a coupon is accepted, who keeps a prospect's visits and answers); history stays as it happened (orders,
# redemptions, coupons' referrers, ledger entries, ownership periods, the overlap audit). Every moved row is
# recorded by id in `PlaceMerge.moved`, so undo moves back exactly those.

PLACE_CAUSE_WORDS = {PlaceKind.STORE: "store", PlaceKind.PROSPECT: "prospect", PlaceKind.MERCHANT: "merchant"}

REASSIGN: dict[PlaceKind, tuple[Reassign, ...]] = {
    PlaceKind.STORE: (
        Reassign(Staff.store_id),  # the staff assigned there now work at the survivor
        Reassign(Member.origin_store_id),  # future credit of the members it brought goes to the survivor
        Reassign(ClaimLink.store_id),  # shared claim links keep working, attributed to the survivor
    ),
    PlaceKind.PROSPECT: (
        Reassign(CandidateStore.candidate_id),
        Reassign(MysteryVisit.candidate_id),
        Reassign(SincerityAnswer.candidate_id),
        Reassign(OverlapInvitation.candidate_id),
        Reassign(OverlapComputation.candidate_id),  # the query budget is the one prospect's: it counts them all
        Reassign(Application.candidate_id),
    ),
    PlaceKind.MERCHANT: (
        Reassign(Store.merchant_id),
        Reassign(Staff.merchant_id),
        Reassign(User.merchant_id, where=User.staff_id.is_not(None)),  # staff logins follow their staff record
        Reassign(Membership.merchant_id, unique_with=Membership.member_id),  # a member holding both keeps one
        Reassign(MemberOwner.merchant_id, unique_with=MemberOwner.member_id),
        Reassign(Member.origin_merchant_id),
        Reassign(CouponTemplate.owner_merchant_id),
        Reassign(CouponTemplate.funded_by_merchant_id),
        Reassign(ClaimLink.merchant_id),
        Reassign(Candidate.merchant_id, unique_with=Candidate.owner_merchant_id),
        Reassign(Candidate.owner_merchant_id, unique_with=Candidate.merchant_id),
    ),
}
# id lists (JSON) naming the place: the absorbed id is replaced by the survivor's
LISTS: dict[PlaceKind, tuple[str, ...]] = {
    PlaceKind.STORE: ("accepted_store_ids",), PlaceKind.PROSPECT: (), PlaceKind.MERCHANT: ("accepted_merchant_ids",)}


def _place_facts(session: Session, kind: PlaceKind, place: Any) -> PlaceFacts:
    if kind is PlaceKind.STORE:
        return PlaceFacts(place.id, repository.store_alliance(session, place), place.merged_into_id,
                          keeper=place.merchant_id)
    if kind is PlaceKind.PROSPECT:
        return PlaceFacts(place.id, place.alliance_id, place.merged_into_id, keeper=place.owner_merchant_id,
                          in_alliance=place.merchant_id is not None)
    return PlaceFacts(place.id, place.alliance_id, place.merged_into_id)


def _keeper(kind: PlaceKind, place: Any) -> int | None:
    if kind is PlaceKind.STORE:
        return int(place.merchant_id)
    if kind is PlaceKind.PROSPECT:
        return place.owner_merchant_id  # type: ignore[no-any-return]
    return None


def _place_event(session: Session, p: Principal, merge: PlaceMerge, kind: MergeEventKind, reason: str) -> None:
    session.add(PlaceMergeEvent(alliance_id=merge.alliance_id,
                                merge_id=merge.id, kind=kind.value, actor_kind=p.kind, actor_id=p.id,
                                actor_label=p.label[:120], reason=reason, at=clock.now()))
    undo = kind is MergeEventKind.UNDO
    audit.record(session, p, AuditAction.PLACE_UNMERGE if undo else AuditAction.PLACE_MERGE, merge.id,
                 alliance_id=merge.alliance_id, before={"status": MergeStatus.IN_FORCE.value} if undo else {},
                 after={"kind": merge.kind, "survivor_id": merge.survivor_id, "absorbed_id": merge.absorbed_id,
                        "status": merge.status, "reason": reason})


def merge_places(session: Session, p: Principal, kind: PlaceKind, survivor_id: int, absorbed_id: int,
                 reason: str) -> PlaceMerge:
    """Move every living thing pointing at the absorbed place to the survivor; the absorbed place is closed and
    points to the survivor (`merged_into_id`). A merchant only when nothing has happened there yet (409 naming the
    ledger entries and agreements otherwise)."""
    policy.require_place_merger(p, kind)
    reason = reason.strip()
    if not reason:
        raise Invalid(Problem.MERGE_REASON_REQUIRED)
    if survivor_id == absorbed_id:
        raise Invalid(Problem.MERGE_SAME_PLACE)
    for place_id in (survivor_id, absorbed_id):
        place = repository.place_for_merge(session, p, kind, place_id)
        if p.is_merchant_side and _keeper(kind, place) != p.merchant_id:
            raise Forbidden()  # a merchant admin merges its own stores, the prospects it keeps
    with session.begin_nested():
        locked = repository.lock_places(session, kind, [survivor_id, absorbed_id])
        survivor, absorbed = locked[survivor_id], locked[absorbed_id]
        facts = _place_facts(session, kind, survivor)
        refusal = domain.place_pair_refusal(kind, facts, _place_facts(session, kind, absorbed))
        if refusal:
            raise Invalid(refusal)
        if kind is PlaceKind.MERCHANT:
            _refuse_blocked(session, absorbed)
        merge = PlaceMerge(alliance_id=facts.alliance_id, kind=kind.value, survivor_id=survivor_id,
                           absorbed_id=absorbed_id, status=MergeStatus.IN_FORCE.value, reason=reason[:300],
                           merchant_id=_keeper(kind, survivor), actor_kind=p.kind, actor_id=p.id,
                           actor_label=p.label[:120], merged_at=clock.now(), moved={})
        session.add(merge)
        session.flush()
        merge.moved = _move_place(session, kind, merge, survivor, absorbed)
        absorbed.merged_into_id = survivor_id
        _place_event(session, p, merge, MergeEventKind.MERGE, merge.reason)
        session.flush()
        session.expire_all()  # the reassignments were bulk updates
    return merge


def _refuse_blocked(session: Session, merchant: Merchant) -> None:
    blockers = repository.merchant_blockers(session, merchant)
    if blockers.any:
        raise Conflict(Problem.MERGE_MERCHANT_BLOCKED, entries=blockers.ledger_entries,
                       agreements=", ".join(f"#{i}" for i in blockers.agreement_ids) or "—",
                       details={"ledger_entries": blockers.ledger_entries,
                                "agreement_ids": list(blockers.agreement_ids)})


def _close(kind: PlaceKind, place: Any) -> dict[str, Any]:
    """Close the absorbed place (its status before, for undo)."""
    if kind is PlaceKind.STORE:
        before: dict[str, Any] = {"active": place.active}
        place.active = False
    elif kind is PlaceKind.PROSPECT:
        before = {"status": place.status}
        place.status = CandidateStatus.DROPPED.value
    else:
        before = {"status": place.status}
        place.status = MerchantStatus.SUSPENDED.value
    return before


def _reopen(kind: PlaceKind, place: Any, before: dict[str, Any]) -> None:
    if kind is PlaceKind.STORE:
        place.active = bool(before.get("active", True))
    else:
        place.status = str(before["status"])


def _move_place(session: Session, kind: PlaceKind, merge: PlaceMerge, survivor: Any,
                absorbed: Any) -> dict[str, Any]:
    moved: dict[str, Any] = {"before": _close(kind, absorbed), "rows": {}, "kept": {}, "lists": []}
    for spec in REASSIGN[kind]:
        ids, kept = repository.move_rows(session, spec, absorbed.id, survivor.id)
        if ids:
            moved["rows"][spec.key] = ids
        if kept:
            moved["kept"][spec.key] = kept
    for field in LISTS[kind]:
        column = getattr(CouponTemplate, field)
        for template in session.scalars(select(CouponTemplate).where(
                CouponTemplate.alliance_id == merge.alliance_id).order_by(CouponTemplate.id).with_for_update()):
            before = list(getattr(template, field) or [])
            after = domain.list_after_merge(before, absorbed.id, survivor.id)
            if after is not None:
                setattr(template, field, after)
                moved["lists"].append({"table": column.class_.__tablename__, "field": field, "id": template.id,
                                       "before": before, "after": after})
    return moved


def unmerge_place(session: Session, p: Principal, merge_id: int, reason: str) -> PlaceMerge:
    """Reverse a place merge within the window, row by row, or refuse (409, in words) when it could not be exact:
    a moved row has since changed, a list was edited, the absorbed place was reopened by hand, the survivor was
    merged since."""
    reason = reason.strip()
    merge = repository.get_merge(session, p, PlaceMerge, merge_id)
    kind = PlaceKind(merge.kind)
    policy.require_place_merger(p, kind)
    if not reason:
        raise Invalid(Problem.MERGE_REASON_REQUIRED)
    with session.begin_nested():
        merge = repository.get_merge(session, p, PlaceMerge, merge_id, lock=True)
        if merge.status != MergeStatus.IN_FORCE.value:
            raise Conflict(Problem.UNMERGE_ALREADY_UNDONE)
        if not domain.undo_open(merge.merged_at, clock.now()):
            raise Conflict(Problem.UNMERGE_WINDOW_CLOSED, days=domain.UNDO_WINDOW_DAYS)
        locked = repository.lock_places(session, kind, [merge.survivor_id, merge.absorbed_id])
        survivor, absorbed = locked[merge.survivor_id], locked[merge.absorbed_id]
        if survivor.merged_into_id is not None:
            raise Conflict(Problem.UNMERGE_PLACE_SURVIVOR_MERGED)
        if absorbed.merged_into_id != survivor.id:
            raise Conflict(Problem.UNMERGE_PLACE_CHANGED, what=PLACE_CAUSE_WORDS[kind], missing=1)
        _restore_place(session, kind, merge, survivor, absorbed)
        absorbed.merged_into_id = None
        merge.status, merge.undone_at, merge.undo_reason = MergeStatus.REVERSED.value, clock.now(), reason[:300]
        _place_event(session, p, merge, MergeEventKind.UNDO, reason[:300])
        session.flush()
        session.expire_all()
    return merge


def _restore_place(session: Session, kind: PlaceKind, merge: PlaceMerge, survivor: Any, absorbed: Any) -> None:
    moved = merge.moved
    specs = {spec.key: spec for spec in REASSIGN[kind]}
    groups = [MovedRows(key, tuple(int(i) for i in ids)) for key, ids in moved.get("rows", {}).items()]
    now_on = {g.key: repository.rows_at(session, specs[g.key], g.ids, survivor.id) for g in groups}
    changed = domain.undo_changed(groups, now_on)
    if changed:
        raise Conflict(Problem.UNMERGE_PLACE_CHANGED, what=changed[0][0], missing=changed[0][1])
    for g in groups:
        clashes = repository.partner_clashes(session, specs[g.key], g.ids, absorbed.id)
        if clashes:
            raise Conflict(Problem.UNMERGE_PLACE_CHANGED, what=g.key, missing=clashes)
    lists = moved.get("lists", [])
    templates = {t.id: t for t in session.scalars(select(CouponTemplate).where(
        CouponTemplate.id.in_([int(x["id"]) for x in lists])).with_for_update())} if lists else {}
    for x in lists:
        template = templates.get(int(x["id"]))
        if template is None or list(getattr(template, x["field"]) or []) != list(x["after"]):
            raise Conflict(Problem.UNMERGE_PLACE_CHANGED, what=f"{x['table']}.{x['field']}", missing=1)
    for g in groups:
        repository.move_back(session, specs[g.key], g.ids, survivor.id, absorbed.id)
    for x in lists:
        setattr(templates[int(x["id"])], x["field"], list(x["before"]))
    _reopen(kind, absorbed, moved.get("before", {}))
