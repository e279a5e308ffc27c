"""Points as grants: spend (oldest-expiring first), earn (repaying any debt first), restore and claw back on
refunds. Every change is a guarded grant update, a draw row linking it to its grant, and one ledger posting."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.kit.errors import AppError
from lianmeng.ledger import repository as ledger_repo
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, Leg, OwnerType, PostingCause
from lianmeng.orders import repository as orders_repo
from lianmeng.points import domain, repository
from lianmeng.points.models import PointsDraw, PointsGrant, PointsRule
from lianmeng.points.schemas import PointsRuleIn

FLOAT = AccountRef(OwnerType.OPERATOR, 0, AccountKind.POINTS_FLOAT)
CLEARING = AccountRef(OwnerType.OPERATOR, 0, AccountKind.POINTS_CLEARING)


def member_points(member_id: int) -> AccountRef:
    return AccountRef(OwnerType.MEMBER, member_id, AccountKind.POINTS)


def member_debt(member_id: int) -> AccountRef:
    return AccountRef(OwnerType.MEMBER, member_id, AccountKind.POINTS_DEBT)


def merchant_ref(merchant_id: int, kind: AccountKind) -> AccountRef:
    return AccountRef(OwnerType.MERCHANT, merchant_id, kind)


class InsufficientPoints(AppError):
    status_code = 409

    def __init__(self, available: int, requested: int) -> None:
        super().__init__("insufficient_points", available=available, requested=requested)


def _as_domain(grants: list[PointsGrant]) -> list[domain.Grant]:
    return [
        domain.Grant(g.id, g.issuer_merchant_id, g.remaining, g.expires_at, g.granted_at) for g in grants
    ]


def _apply_draws(
    session: Session, alliance_id: int, draws: list[domain.Draw], sign: int, reason: str, order_id: int | None,
    refund_id: int | None, at: datetime,
) -> None:
    for draw in draws:
        if not repository.take_from_grant(session, alliance_id, draw.grant_id, sign * draw.points):
            raise InsufficientPoints(0, draw.points)
        session.add(PointsDraw(alliance_id=alliance_id,
                               grant_id=draw.grant_id, order_id=order_id, refund_id=refund_id, reason=reason,
                               points=sign * draw.points, at=at))


def spend_legs(member_id: int, redeemer_id: int, points: int, rate: int) -> list[Leg]:
    """Member's points → operator float; the operator owes the redeemer their value."""
    value = domain.points_value_fen(points, rate)
    legs = [Leg(member_points(member_id), -points), Leg(FLOAT, points)]
    if value:
        legs += [Leg(merchant_ref(redeemer_id, AccountKind.POINTS_REDEEMED), value), Leg(CLEARING, -value)]
    return legs


def earn_legs(member_id: int, issuer_id: int, points: int, repaid: int, rate: int) -> list[Leg]:
    """Operator float → the member (a points debt repaid first); the issuer owes the operator the value of
    everything it issues."""
    legs = [Leg(FLOAT, -points)]
    if repaid:
        legs.append(Leg(member_debt(member_id), repaid))
    if points - repaid:
        legs.append(Leg(member_points(member_id), points - repaid))
    value = domain.issue_value(points, rate)
    if value:
        legs += [Leg(merchant_ref(issuer_id, AccountKind.POINTS_ISSUED), -value), Leg(CLEARING, value)]
    return legs


def live_grants_for_update(session: Session, member_ids: Iterable[int], at: datetime) -> dict[int, list[domain.Grant]]:
    """The spendable grants of several members, locked in id order (one statement for a whole batch)."""
    out: dict[int, list[domain.Grant]] = defaultdict(list)
    for row in repository.live_grants_for_update(session, sorted(set(member_ids)), at):
        out[row.member_id].append(domain.Grant(row.id, row.issuer_merchant_id, row.remaining, row.expires_at,
                                               row.granted_at))
    return out


def take_drawn(grants: list[domain.Grant], draws: Iterable[domain.Draw]) -> list[domain.Grant]:
    """The grants after `draws` were taken from them (what the next order of the batch may still spend)."""
    taken: dict[int, int] = defaultdict(int)
    for draw in draws:
        taken[draw.grant_id] += draw.points
    return [replace(g, remaining=g.remaining - taken[g.grant_id]) if g.grant_id in taken else g for g in grants]


def write_batch(session: Session, draws: list[dict[str, Any]], grants: list[dict[str, Any]]) -> None:
    """Apply a batch's spends to the grants it locked, link each draw, and add the new grants."""
    taken: dict[int, int] = defaultdict(int)
    for row in draws:
        taken[row["grant_id"]] += row["points"]
    repository.take_from_locked_grants(session, taken)
    repository.insert_draws(session, draws)
    repository.insert_grants(session, grants)


def restore_spent(
    session: Session, alliance_id: int, order_id: int, member_id: int, redeemer_id: int, spent: int,
    restored_cumulative: int, refund_id: int, rate: int,
) -> int:
    """Put back spent points to the grants they came from (original expiry), newest-expiring first."""
    rows = [d for d in repository.draws_of_order(session, order_id) if d.reason in ("spend", "restore")]
    grants = {g.id: g for g in repository.grants_for_update(session, alliance_id, member_id)}
    spent_draws = [
        domain.Draw(d.grant_id, grants[d.grant_id].issuer_merchant_id, d.points, grants[d.grant_id].expires_at)
        for d in rows if d.reason == "spend"
    ]
    already: dict[int, int] = defaultdict(int)
    for d in rows:
        if d.reason == "restore":
            already[d.grant_id] += -d.points
    draws = domain.restore_on_refund(spent_draws, spent, restored_cumulative, dict(already))
    if not draws:
        return 0
    now = clock.now()
    _apply_draws(session, alliance_id, draws, -1, "restore", order_id, refund_id, now)
    points = sum(d.points for d in draws)
    before = sum(already.values())
    value = domain.points_value_fen(before + points, rate) - domain.points_value_fen(before, rate)
    legs = [Leg(member_points(member_id), points), Leg(FLOAT, -points)]
    if value:
        legs += [Leg(merchant_ref(redeemer_id, AccountKind.POINTS_REDEEMED), -value), Leg(CLEARING, value)]
    ledger.post(session, alliance_id, f"refund:{refund_id}:points-restore", PostingCause.REFUND, legs,
                cause_id=refund_id)
    return points


def claw_back_earned(
    session: Session, alliance_id: int, order_id: int, member_id: int, issuer_id: int, points: int,
    refund_id: int, rate: int, already_reversed: int,
) -> None:
    """Take back points the refunded order earned: its own grant first, then others; what is missing becomes a
    debt that later earnings repay first. Buy-then-refund never keeps points."""
    if points <= 0:
        return
    now = clock.now()
    rows = repository.grants_for_update(session, alliance_id, member_id)
    earned_grant = next((g.id for g in rows if g.order_id == order_id), None)
    clawback = domain.allocate_clawback(_as_domain(rows), points, now, earned_grant)
    _apply_draws(session, alliance_id, list(clawback.draws), 1, "clawback", order_id, refund_id, now)
    legs = [Leg(FLOAT, points)]
    if clawback.taken:
        legs.append(Leg(member_points(member_id), -clawback.taken))
    if clawback.debt:
        legs.append(Leg(member_debt(member_id), -clawback.debt))
    value = domain.issue_value(already_reversed + points, rate) - domain.issue_value(already_reversed, rate)
    if value:
        legs += [Leg(merchant_ref(issuer_id, AccountKind.POINTS_ISSUED), value), Leg(CLEARING, -value)]
    ledger.post(session, alliance_id, f"refund:{refund_id}:points-reverse", PostingCause.REFUND, legs,
                cause_id=refund_id)


def expire_due(session: Session, at: datetime | None = None, limit: int = 1000,
               alliance_id: int | None = None) -> int:
    """Expire what is left of grants past their expiry. Safe to run twice or concurrently: each grant is
    locked (others skip it) and its posting key names the grant and how much of it had expired before."""
    now = at or clock.now()
    expired = 0
    for grant in repository.expiring_for_update(session, now, limit, alliance_id):
        points = grant.remaining
        if points <= 0:
            continue
        before = repository.expired_so_far(session, grant.id)
        if not repository.take_from_grant(session, grant.alliance_id, grant.id, points):
            continue
        session.add(PointsDraw(alliance_id=grant.alliance_id,
                               grant_id=grant.id, order_id=None, refund_id=None, reason="expiry", points=points,
                               at=now))
        legs = [Leg(member_points(grant.member_id), -points), Leg(FLOAT, points)]
        ledger.post(session, grant.alliance_id, f"grant:{grant.id}:expire:{before}", PostingCause.EXPIRY, legs,
                    cause_id=grant.id)
        expired += points
    session.flush()
    return expired


def set_rule(session: Session, alliance_id: int, merchant_id: int, data: PointsRuleIn) -> PointsRule:
    rule = (repository.rule_of(session, alliance_id, merchant_id)
            or PointsRule(alliance_id=alliance_id, merchant_id=merchant_id))
    for field, value in data.model_dump().items():
        setattr(rule, field, value)
    session.add(rule)
    session.flush()
    return rule


# --- the member's own points page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLine:
    """A line of the member's points account: when, what kind, how many, and at which merchant."""

    at: datetime
    kind: domain.PointsEntryKind
    points: int
    merchant_id: int | None


@dataclass(frozen=True)
class MemberPoints:
    """What the member sees of their points: balance, what they owe, its worth, what expires first, the history."""

    balance: int
    owed: int
    value_fen: int
    expiring: tuple[int, datetime] | None
    history: list[HistoryLine]


def _where(session: Session, causes: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """(cause, cause id) → the merchant a points line happened at: the order's, the refunded order's, or the
    expired grant's issuer."""
    def ids(cause: str) -> set[int]:
        return {i for c, i in causes if c == cause}

    out: dict[tuple[str, int], int] = {}
    out |= {("order", i): m for i, m in orders_repo.merchants_of_orders(session, ids("order")).items()}
    out |= {("refund", i): m for i, m in orders_repo.merchants_of_refunds(session, ids("refund")).items()}
    out |= {("expiry", i): m for i, m in repository.issuers_of_grants(session, ids("expiry")).items()}
    return out


def member_points_of(session: Session, alliance_id: int, member_id: int, points_per_yuan_value: int,
                     lines: int) -> MemberPoints:
    """The member's points as their own page shows them (the newest `lines` of the history)."""
    balance = ledger.balance(session, alliance_id, member_points(member_id))
    owed = -ledger.balance(session, alliance_id, member_debt(member_id))
    value = domain.points_value_fen(max(balance, 0), points_per_yuan_value)
    expiring = repository.soonest_expiring(session, alliance_id, member_id, clock.now())
    account = ledger_repo.find_account(session, alliance_id, member_points(member_id))
    if account is None:
        return MemberPoints(balance, owed, value, expiring, [])
    rows = session.execute(ledger_repo.history(account.id).limit(lines)).all()
    places = _where(session, {(p.cause, p.cause_id) for _, p in rows if p.cause_id is not None})
    history = [HistoryLine(posting.created_at, domain.entry_kind(posting.cause, entry.amount), entry.amount,
                           places.get((posting.cause, posting.cause_id or 0)))
               for entry, posting in rows]
    return MemberPoints(balance, owed, value, expiring, history)


def alliances_due(session: Session, at: datetime | None = None) -> list[int]:
    """The jobs' choice: alliances with grants past their expiry that still have points."""
    return repository.alliances_with_grants_expired(session, at or clock.now())
