"""Points as grants: spend (oldest-expiring first), earn (repaying any debt first), restore and claw back on
refunds. Every change is a guarded grant update, a draw row linking it to its grant, and one ledger posting."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.kit.errors import AppError
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, Leg, OwnerType
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
    session: Session, draws: list[domain.Draw], sign: int, reason: str, order_id: int | None,
    refund_id: int | None, at: datetime,
) -> None:
    for draw in draws:
        if not repository.take_from_grant(session, draw.grant_id, sign * draw.points):
            raise InsufficientPoints(0, draw.points)
        session.add(PointsDraw(grant_id=draw.grant_id, order_id=order_id, refund_id=refund_id, reason=reason,
                               points=sign * draw.points, at=at))


def spend(
    session: Session, alliance_id: int, member_id: int, redeemer_id: int, points: int, order_id: int,
    rate: int,
) -> int:
    """Spend `points` at `redeemer_id`; returns their value in fen, which the operator owes the redeemer."""
    now = clock.now()
    grants = _as_domain(repository.grants_for_update(session, member_id))
    try:
        draws = domain.allocate_spend(grants, points, now)
    except domain.InsufficientPoints as short:
        raise InsufficientPoints(short.available, short.requested) from None
    _apply_draws(session, draws, 1, "spend", order_id, None, now)
    value = domain.points_value_fen(points, rate)
    legs = [Leg(member_points(member_id), -points), Leg(FLOAT, points)]
    if value:
        legs += [Leg(merchant_ref(redeemer_id, AccountKind.POINTS_REDEEMED), value), Leg(CLEARING, -value)]
    ledger.post(session, alliance_id, f"order:{order_id}:points-spend", "order", legs, cause_id=order_id)
    return value


def earn(
    session: Session, alliance_id: int, member_id: int, issuer_id: int, points: int, order_id: int,
    rate: int, expiry_months: int,
) -> None:
    """Issue points; a points debt (from an earlier refund) is repaid first. The issuer owes the operator the
    value of everything it issues."""
    if points <= 0:
        return
    now = clock.now()
    debt = -ledger.balance(session, alliance_id, member_debt(member_id))
    repaid = min(points, max(debt, 0))
    granted = points - repaid
    legs = [Leg(FLOAT, -points)]
    if repaid:
        legs.append(Leg(member_debt(member_id), repaid))
    if granted:
        legs.append(Leg(member_points(member_id), granted))
        expires = domain.expiry_for(clock.shanghai(now), expiry_months)
        session.add(PointsGrant(alliance_id=alliance_id, member_id=member_id, issuer_merchant_id=issuer_id,
                                order_id=order_id, points=granted, remaining=granted, granted_at=now,
                                expires_at=expires))
    value = domain.issue_value(points, rate)
    if value:
        legs += [Leg(merchant_ref(issuer_id, AccountKind.POINTS_ISSUED), -value), Leg(CLEARING, value)]
    ledger.post(session, alliance_id, f"order:{order_id}:points-earn", "order", legs, cause_id=order_id)


def restore_spent(
    session: Session, alliance_id: int, order_id: int, member_id: int, redeemer_id: int, spent: int,
    restored_cumulative: int, refund_id: int, rate: int,
) -> int:
    """Put back spent points to the grants they came from (original expiry), newest-expiring first."""
    rows = [d for d in repository.draws_of_order(session, order_id) if d.reason in ("spend", "restore")]
    grants = {g.id: g for g in repository.grants_for_update(session, member_id)}
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
    _apply_draws(session, draws, -1, "restore", order_id, refund_id, now)
    points = sum(d.points for d in draws)
    before = sum(already.values())
    value = domain.points_value_fen(before + points, rate) - domain.points_value_fen(before, rate)
    legs = [Leg(member_points(member_id), points), Leg(FLOAT, -points)]
    if value:
        legs += [Leg(merchant_ref(redeemer_id, AccountKind.POINTS_REDEEMED), -value), Leg(CLEARING, value)]
    ledger.post(session, alliance_id, f"refund:{refund_id}:points-restore", "refund", legs, cause_id=refund_id)
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
    rows = repository.grants_for_update(session, member_id)
    earned_grant = next((g.id for g in rows if g.order_id == order_id), None)
    clawback = domain.allocate_clawback(_as_domain(rows), points, now, earned_grant)
    _apply_draws(session, list(clawback.draws), 1, "clawback", order_id, refund_id, now)
    legs = [Leg(FLOAT, points)]
    if clawback.taken:
        legs.append(Leg(member_points(member_id), -clawback.taken))
    if clawback.debt:
        legs.append(Leg(member_debt(member_id), -clawback.debt))
    value = domain.issue_value(already_reversed + points, rate) - domain.issue_value(already_reversed, rate)
    if value:
        legs += [Leg(merchant_ref(issuer_id, AccountKind.POINTS_ISSUED), value), Leg(CLEARING, -value)]
    ledger.post(session, alliance_id, f"refund:{refund_id}:points-reverse", "refund", legs, cause_id=refund_id)


def expire_due(session: Session, at: datetime | None = None, limit: int = 1000) -> int:
    """Expire what is left of grants past their expiry. Safe to run twice or concurrently: each grant is
    locked (others skip it) and its posting key names the grant and how much of it had expired before."""
    now = at or clock.now()
    expired = 0
    for grant in repository.expiring_for_update(session, now, limit):
        points = grant.remaining
        if points <= 0:
            continue
        before = repository.expired_so_far(session, grant.id)
        if not repository.take_from_grant(session, grant.id, points):
            continue
        session.add(PointsDraw(grant_id=grant.id, order_id=None, refund_id=None, reason="expiry", points=points,
                               at=now))
        legs = [Leg(member_points(grant.member_id), -points), Leg(FLOAT, points)]
        ledger.post(session, grant.alliance_id, f"grant:{grant.id}:expire:{before}", "expiry", legs,
                    cause_id=grant.id)
        expired += points
    session.flush()
    return expired


def set_rule(session: Session, merchant_id: int, data: PointsRuleIn) -> PointsRule:
    rule = repository.rule_of(session, merchant_id) or PointsRule(merchant_id=merchant_id)
    for field, value in data.model_dump().items():
        setattr(rule, field, value)
    session.add(rule)
    session.flush()
    return rule
