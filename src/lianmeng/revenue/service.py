"""Revenue use cases: the operator's fee settings and waivers (audited), the monthly fees job that charges what fell
due and the platform commission of a closed month through the ledger, and the operator's revenue by source and
month. Services flush; the door or the job runner commits.

Timing (docs/operator-revenue.md): the job charges month M shortly after M ends (FEE_GRACE, before settlement's own
GRACE), each posting dated in the last second of M, so the statement of M carries M's fees and commission. A run
that comes after M was already settled lands on the next statement as a late line of M (settlement's rule)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.db import insert_once
from lianmeng.kit import clock
from lianmeng.kit.errors import Conflict, Forbidden, Invalid
from lianmeng.kit.vocab import label_of
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, Leg, OwnerType, PostingCause
from lianmeng.merchants.domain import MerchantStatus
from lianmeng.revenue import domain, repository
from lianmeng.revenue.domain import ChargeStatus, DueFee, FeeKind, FeeTerms
from lianmeng.revenue.errors import Problem
from lianmeng.revenue.models import FeeCharge, FeeSettings, FeeWaiver
from lianmeng.revenue.schemas import FeeSettingsIn, MonthOut, RevenueOut, SourceOut, WaiverIn
from lianmeng.settlement.domain import BadPeriod, Period, SettlementCycle, last_closed, parse_period, period_containing
from lianmeng.tenancy import Principal, policy

# the fees job charges a month this long after it ends: before settlement (GRACE, 10 minutes) builds its statements
FEE_GRACE = timedelta(minutes=2)
REVENUE_MONTHS = 12

FEES = AccountRef(OwnerType.OPERATOR, 0, AccountKind.FEES)
CAUSE_OF: dict[FeeKind, PostingCause] = {
    FeeKind.JOINING: PostingCause.JOINING_FEE,
    FeeKind.ANNUAL: PostingCause.ANNUAL_FEE,
    FeeKind.COMMISSION: PostingCause.PLATFORM_COMMISSION,
}


def _refused(refusal: domain.Refused) -> Invalid:
    params: dict[str, Any] = dict(refusal.params)
    return Invalid(refusal.code, field=refusal.field, **params)


def _operator_alliance(session: Session, actor: Principal) -> int:
    policy.require_operator(actor)
    if actor.alliance_id is None or not repository.alliance_exists(session, actor.alliance_id):
        raise Forbidden()
    return actor.alliance_id


def terms_of(row: FeeSettings) -> FeeTerms:
    return FeeTerms(joining_fee_fen=row.joining_fee_fen, annual_fee_fen=row.annual_fee_fen,
                    free_months=row.free_months, fees_start_on=row.fees_start_on, min_merchants=row.min_merchants,
                    prorate_first_year=row.prorate_first_year, commission_bp=row.commission_bp,
                    commission_base=domain.CommissionBase(row.commission_base))


def settings(session: Session, actor: Principal) -> FeeSettings | None:
    """The alliance's fee settings: the operator's, and its merchants' admins may read what they are charged."""
    policy.require_staff_login(actor)
    if actor.alliance_id is None:
        raise Forbidden()
    return repository.settings_of(session, actor.alliance_id)


_FIELDS = ("joining_fee_fen", "annual_fee_fen", "free_months", "fees_start_on", "min_merchants",
           "prorate_first_year", "commission_bp", "commission_base")


def _snapshot(row: FeeSettings | None) -> dict[str, object]:
    if row is None:
        return {}
    return {field: getattr(row, field) for field in _FIELDS}


def save_settings(session: Session, actor: Principal, body: FeeSettingsIn) -> FeeSettings:
    """The operator sets what its merchants pay; out of bounds → 422 naming the field, nothing written."""
    alliance_id = _operator_alliance(session, actor)
    start = body.fees_start_on or clock.today_in_shanghai()
    terms = FeeTerms(joining_fee_fen=body.joining_fee_fen, annual_fee_fen=body.annual_fee_fen,
                     free_months=body.free_months, fees_start_on=start, min_merchants=body.min_merchants,
                     prorate_first_year=body.prorate_first_year, commission_bp=body.commission_bp,
                     commission_base=body.commission_base)
    try:
        domain.check_terms(terms)
    except domain.Refused as refusal:
        raise _refused(refusal) from None
    row = repository.settings_of(session, alliance_id, lock=True)
    before = _snapshot(row)
    if row is None:
        row = FeeSettings(alliance_id=alliance_id, fees_start_on=start)
        session.add(row)
    for field in _FIELDS:
        setattr(row, field, getattr(terms, field))
    row.commission_base = terms.commission_base.value
    row.updated_by = (actor.label or actor.kind)[:80]
    session.flush()
    audit.record(session, actor, AuditAction.FEES_SETTINGS, row.id, alliance_id=alliance_id, before=before,
                 after=_snapshot(row), only_changes=True)
    return row


def add_waiver(session: Session, actor: Principal, body: WaiverIn) -> FeeWaiver:
    """The operator spares a merchant one kind of fee for a span of days (or for good). It covers charges the job
    has not made yet; one already charged is corrected on the statement (dispute → adjustment)."""
    alliance_id = _operator_alliance(session, actor)
    try:
        domain.check_waiver_dates(body.starts_on, body.ends_on)
    except domain.Refused as refusal:
        raise _refused(refusal) from None
    if repository.merchant_in_alliance(session, alliance_id, body.merchant_id) is None:
        raise Invalid(Problem.WAIVER_MERCHANT, field="merchant_id")
    waiver = FeeWaiver(alliance_id=alliance_id, merchant_id=body.merchant_id, kind=body.kind.value,
                       starts_on=body.starts_on, ends_on=body.ends_on, reason=body.reason.strip(),
                       created_by=(actor.label or actor.kind)[:80], created_at=clock.now())
    session.add(waiver)
    session.flush()
    audit.record(session, actor, AuditAction.FEES_WAIVER, waiver.id, alliance_id=alliance_id,
                 after={"merchant_id": waiver.merchant_id, "kind": waiver.kind, "starts_on": waiver.starts_on,
                        "ends_on": waiver.ends_on, "reason": waiver.reason})
    return waiver


@dataclass(frozen=True)
class ChargeRun:
    month: str
    charged: int = 0
    waived: int = 0
    charged_fen: int = 0


def _midnight(day: date) -> datetime:
    """The start of a Beijing-time day, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=clock.SHANGHAI).astimezone(UTC)


def _record(session: Session, alliance_id: int, merchant_id: int, fee: DueFee, month: Period,
            waivers: list[domain.Waiver], *, base_fen: int = 0, rate_bp: int = 0) -> FeeCharge | None:
    """One charge, waived or posted; None when a concurrent run recorded it first (its unique key)."""
    waiver = domain.waiver_for(fee.kind, fee.due_on, waivers)
    charge = FeeCharge(alliance_id=alliance_id, merchant_id=merchant_id, kind=fee.kind.value, period=fee.period,
                       month=month.label, due_on=fee.due_on, base_fen=base_fen, rate_bp=rate_bp,
                       amount_fen=fee.amount_fen,
                       status=(ChargeStatus.WAIVED if waiver else ChargeStatus.CHARGED).value,
                       waiver_id=waiver.id if waiver else None, created_at=clock.now())
    if not insert_once(session, charge):
        return None
    if waiver is None:
        legs = [Leg(AccountRef(OwnerType.MERCHANT, merchant_id, AccountKind.PLATFORM_CHARGES), -fee.amount_fen),
                Leg(FEES, fee.amount_fen)]
        posted = ledger.post(session, alliance_id, f"fee:{merchant_id}:{fee.kind.value}:{fee.period}",
                             CAUSE_OF[fee.kind], legs, cause_id=charge.id,
                             memo=f"{fee.kind.zh} {fee.kind.en} {fee.period}",
                             occurred_at=month.ends_at - timedelta(seconds=1))
        charge.posting_id = posted.posting.id
        session.flush()
    return charge


def charge_month(session: Session, alliance_id: int, month: Period) -> ChargeRun:
    """Charge, in one alliance, every joining and annual fee fallen due by the end of `month` and not yet charged,
    and the month's platform commission per merchant. Idempotent: a second run (even a concurrent one: the settings
    row is locked first) finds the charges recorded and posts nothing."""
    row = repository.settings_of(session, alliance_id, lock=True)
    if row is None:
        return ChargeRun(month.label)
    terms = terms_of(row)
    merchants = repository.merchants_of(session, alliance_id)
    joined = {m.id: clock.today_in_shanghai(m.joined_at) for m in merchants}
    active = [m for m in merchants if m.status == MerchantStatus.ACTIVE.value]
    start = domain.alliance_start(terms, [joined[m.id] for m in active])
    done = repository.charged_keys(session, alliance_id)
    waivers: dict[int, list[domain.Waiver]] = defaultdict(list)
    for w in repository.waivers_of(session, alliance_id):
        waivers[w.merchant_id].append(domain.Waiver(w.id, FeeKind(w.kind), w.starts_on, w.ends_on))
    through = month.next_first_day - timedelta(days=1)
    recorded: list[FeeCharge | None] = []
    for merchant in active:
        for fee in domain.due_fees(joined[merchant.id], terms, start, through):
            if (merchant.id, fee.kind.value, fee.period) not in done:
                recorded.append(_record(session, alliance_id, merchant.id, fee, month, waivers[merchant.id]))
    if terms.commission_bp > 0 and start is not None and start <= through:
        gmv = repository.net_gmv(session, alliance_id, terms.commission_base, month.starts_at, month.ends_at,
                                 _midnight(start))
        for merchant_id, base in sorted(gmv.items()):
            amount = domain.commission_fen(base, terms.commission_bp)
            if amount == 0 or (merchant_id, FeeKind.COMMISSION.value, month.label) in done:
                continue
            fee = DueFee(FeeKind.COMMISSION, month.label, month.first_day, amount)
            recorded.append(_record(session, alliance_id, merchant_id, fee, month, waivers[merchant_id],
                                    base_fen=base, rate_bp=terms.commission_bp))
    made = [c for c in recorded if c is not None]
    charged = [c for c in made if c.status == ChargeStatus.CHARGED.value]
    return ChargeRun(month.label, charged=len(charged), waived=len(made) - len(charged),
                     charged_fen=sum(c.amount_fen for c in charged))


def last_closed_month(at: datetime) -> Period:
    return last_closed(SettlementCycle.MONTHLY, at - FEE_GRACE)


def alliances_due(session: Session, at: datetime) -> list[tuple[int, str]]:
    """The job's choice: every alliance with fee settings, with the month it charges (its job period, so each month
    is charged once per alliance however often the job is delivered)."""
    month = last_closed_month(at).label
    return [(alliance_id, month) for alliance_id in repository.alliances_with_settings(session)]


def charge_due(session: Session, alliance_id: int, at: datetime) -> ChargeRun:
    """The scheduled job for one alliance: the last closed month."""
    return charge_month(session, alliance_id, last_closed_month(at))


def run_month(session: Session, actor: Principal, month_text: str, at: datetime | None = None) -> ChargeRun:
    """The operator charges a closed month by hand (the job does it on its own); again changes nothing."""
    alliance_id = _operator_alliance(session, actor)
    try:
        month = parse_period(month_text)
    except BadPeriod:
        raise Invalid(Problem.BAD_MONTH, field="month") from None
    if month.cycle is not SettlementCycle.MONTHLY:
        raise Invalid(Problem.BAD_MONTH, field="month")
    if not month.is_closed(at or clock.now()):
        raise Conflict(Problem.MONTH_OPEN, month=month.label)
    return charge_month(session, alliance_id, month)


def month_bounds(at: datetime, count: int = REVENUE_MONTHS) -> list[tuple[str, datetime, datetime]]:
    """The last `count` months up to the current one (Asia/Shanghai), oldest first."""
    month = period_containing(SettlementCycle.MONTHLY, clock.today_in_shanghai(at))
    out = []
    for _ in range(count):
        out.append((month.label, month.starts_at, month.ends_at))
        month = month.previous()
    return out[::-1]


def revenue(session: Session, actor: Principal, lang: str = "zh-CN", at: datetime | None = None) -> RevenueOut:
    """The operator's revenue: what every posting cause credited its FEES account, month by month (any cause that
    does — fees, commission, featured placement, the operator's share of commissions, withdrawal fees — shows
    without a change here)."""
    alliance_id = _operator_alliance(session, actor)
    bounds = month_bounds(at or clock.now())
    rows = repository.revenue_by_month(session, alliance_id, bounds)
    by_month: dict[str, dict[str, int]] = defaultdict(dict)
    totals: dict[str, int] = defaultdict(int)
    for month, cause, fen in rows:
        by_month[month][cause] = fen
        totals[cause] += fen

    def sources(figures: dict[str, int]) -> list[SourceOut]:
        return [SourceOut(cause=c, label=label_of(PostingCause, c, lang), amount_fen=f)
                for c, f in sorted(figures.items())]

    months = [MonthOut(month=label, sources=sources(by_month.get(label, {})),
                       total_fen=sum(by_month.get(label, {}).values())) for label, _, _ in bounds]
    return RevenueOut(months=months, totals=sources(dict(totals)), total_fen=sum(totals.values()))


@dataclass(frozen=True)
class MerchantFees:
    merchant_id: int
    name: str
    charged: dict[str, int]  # fee kind → fen charged
    waived_fen: int
    next_due: DueFee | None


def merchant_fees(session: Session, actor: Principal, at: datetime | None = None) -> list[MerchantFees]:
    """Per merchant what was charged (by kind), waived, and the next fee due: the operator sees its alliance's
    merchants, a merchant's admin its own row only."""
    policy.require_staff_login(actor)
    if actor.alliance_id is None or not (actor.is_operator or actor.manages_merchant):
        raise Forbidden()
    merchants = repository.merchants_of(session, actor.alliance_id)
    if not actor.is_operator:
        merchants = [m for m in merchants if m.id == actor.merchant_id]
    row = repository.settings_of(session, actor.alliance_id)
    terms = terms_of(row) if row is not None else None
    today = clock.today_in_shanghai(at)
    joined = {m.id: clock.today_in_shanghai(m.joined_at) for m in merchants}
    start = None
    if terms is not None:
        everyone = repository.merchants_of(session, actor.alliance_id)
        start = domain.alliance_start(terms, [clock.today_in_shanghai(m.joined_at) for m in everyone
                                              if m.status == MerchantStatus.ACTIVE.value])
    charged: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    waived: dict[int, int] = defaultdict(int)
    for merchant_id, kind, status, fen in repository.charge_totals(session, actor):
        if status == ChargeStatus.WAIVED.value:
            waived[merchant_id] += fen
        else:
            charged[merchant_id][kind] += fen
    out = []
    for m in merchants:
        upcoming = (domain.next_due(joined[m.id], terms, start, today)
                    if terms is not None and m.status == MerchantStatus.ACTIVE.value else None)
        out.append(MerchantFees(m.id, m.name, dict(charged[m.id]), waived[m.id], upcoming))
    return out

