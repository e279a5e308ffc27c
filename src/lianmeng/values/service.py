"""Use cases of the member value model: the incremental refresh (the job, the CLI, the demo), a member's value,
the settings and the distributions. Services flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.alliances import repository as alliances_repo
from lianmeng.alliances.models import Alliance
from lianmeng.db import job_lock
from lianmeng.kit import clock
from lianmeng.kit.errors import Forbidden, Invalid, NotFound
from lianmeng.kit.money import format_yuan
from lianmeng.members import repository as members_repo
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merchants.models import Merchant
from lianmeng.tenancy import Principal, policy
from lianmeng.values import domain, repository
from lianmeng.values.domain import RfmClass
from lianmeng.values.models import MemberValue, MemberValueChange, ValueModelSettings
from lianmeng.values.schemas import (
    ClassCount,
    HistoryOut,
    MemberValueOut,
    SettingsOut,
    StarCount,
    StarsOut,
    SummaryOut,
    ValueRowOut,
)

# An order whose id was taken before a run but committed after it is below the watermark: orders and refunds
# recorded this long before the last run are looked at again.
LATE_COMMIT_MARGIN = timedelta(minutes=10)


@dataclass(frozen=True)
class RefreshReport:
    alliance_id: int
    full: bool
    members: int  # members whose figures were recomputed
    rows_rewritten: int  # stored value rows where anything changed
    rows_inserted: int  # new value rows (a member's first order at a merchant)
    history_rows: int
    seconds: float


LOCK_NAMESPACE = 0x5641  # "VA": the first key of the value refresh's advisory locks


def refresh(session: Session, alliance_id: int, at: datetime | None = None, full: bool = False) -> RefreshReport:
    """Recompute the alliance's values. Incremental unless `full`, the first run, a changed window or a clock
    that went back: figures only for members whose orders/refunds changed since the watermark or aged out of the
    window; then every row's scores, set-based (a quintile moves when anyone's figures move)."""
    import time

    started = time.perf_counter()
    at = at or clock.now()
    clock.require_aware(at, "at")
    job_lock(session, LOCK_NAMESPACE, alliance_id)  # a second run waits, then finds the first one's watermark
    settings = repository.settings_for(session, alliance_id, lock=True)
    window = timedelta(days=settings.window_days)
    last = settings.last_run_at
    full = (full or last is None or at < last or settings.run_window_days != settings.window_days)
    last_order_id, last_refund_id = repository.watermarks(session, alliance_id)
    repository.create_scratch(session)
    repository.collect_people(session, alliance_id)
    repository.collect_members(
        session, alliance_id, at, full, since=None if last is None else last - LATE_COMMIT_MARGIN,
        prev_start=None if last is None else last - window, start=at - window,
        last_order_id=settings.last_order_id, last_refund_id=settings.last_refund_id)
    members = repository.collect_figures(session, alliance_id, at, at - window, full)
    repository.drop_vanished(session, alliance_id, full)
    first = not repository.has_rows(session, alliance_id)
    repository.gather_rows(session, alliance_id, at, first, full)
    if first:
        rewritten, inserted, history = 0, repository.score_first(session, alliance_id, at), 0
    else:
        repository.score(session, alliance_id, at)
        rewritten, inserted, history = repository.write_scored(session, alliance_id, at)
    repository.drop_scratch(session)
    settings.last_order_id, settings.last_refund_id = last_order_id, last_refund_id
    settings.last_run_at, settings.last_run_members = at, members
    settings.run_window_days = settings.window_days
    session.flush()
    session.expire_all()  # rows rewritten by SQL behind the session's back
    return RefreshReport(alliance_id, full, members, rewritten, inserted, history, time.perf_counter() - started)


def due_alliances(session: Session, at: datetime | None = None) -> list[int]:
    """The jobs' choice: alliances never refreshed, or last refreshed at least REFRESH_MINUTES ago (a refresh scores
    the whole alliance, so running it on every tick of the scheduler would be wasted work at scale)."""
    at = at or clock.now()
    recent = select(ValueModelSettings.alliance_id).where(
        ValueModelSettings.last_run_at.is_not(None),
        ValueModelSettings.last_run_at > at - timedelta(minutes=domain.REFRESH_MINUTES),
        ValueModelSettings.last_run_at <= at)
    return list(session.scalars(select(Alliance.id).where(Alliance.id.not_in(recent)).order_by(Alliance.id)))


def alliance_ids(session: Session, code: str | None = None) -> list[int]:
    """Every alliance (the job), or the one with this code (the CLI); unknown code → NotFound."""
    stmt = select(Alliance.id).order_by(Alliance.id)
    if code is not None:
        stmt = stmt.where(Alliance.code == code)
    ids = list(session.scalars(stmt))
    if code is not None and not ids:
        raise NotFound("alliance")
    return ids


# --- a member's value ------------------------------------------------------------------------------------------


def _row_out(row: MemberValue, names: dict[int, str]) -> ValueRowOut:
    return ValueRowOut(
        merchant_id=row.merchant_id, merchant_name=names.get(row.merchant_id, "") if row.merchant_id else "",
        last_order_at=row.last_order_at, recency_days=row.recency_days, frequency=row.frequency,
        monetary_fen=row.monetary_fen, monetary_text=format_yuan(row.monetary_fen), r_score=row.r_score,
        f_score=row.f_score, m_score=row.m_score, rfm_class=RfmClass(row.rfm_class) if row.rfm_class else None,
        merchants_visited=row.merchants_visited if row.merchant_id is None else None,
        stars=row.stars, computed_at=row.computed_at)


def _history_out(change: MemberValueChange, full: bool) -> HistoryOut:
    return HistoryOut(at=change.at, merchant_id=change.merchant_id,
                      rfm_class=RfmClass(change.rfm_class) if change.rfm_class and full else None,
                      stars=change.stars, frequency=change.frequency if full else None,
                      monetary_fen=change.monetary_fen if full else None,
                      recency_days=change.recency_days if full else None)


def member_value(session: Session, p: Principal, member_id: int) -> MemberValueOut:
    """The operator: every row in full. A merchant: its own row and history in full, and of the alliance-wide row
    only the stars (and their history): what the member spends elsewhere is not its business."""
    member = members_repo.get_member(session, p, member_id)
    if not (p.is_operator or p.is_merchant_side) or p.promoter:
        raise NotFound("member")
    settings = session.scalar(select(ValueModelSettings).where(ValueModelSettings.alliance_id == member.alliance_id))
    rows = repository.rows_of_member(session, p, member.id)
    names = repository.merchant_names(session, {r.merchant_id for r in rows if r.merchant_id is not None})
    wide = next((r for r in rows if r.merchant_id is None), None)
    own = next((r for r in rows if r.merchant_id is not None and r.merchant_id == p.merchant_id), None)
    history = repository.history_of_member(session, p, member.id)
    operator = p.is_operator
    return MemberValueOut(
        member_id=member.id,
        window_days=settings.window_days if settings else domain.DEFAULT_WINDOW_DAYS,
        refreshed_at=settings.last_run_at if settings else None,
        level=StarsOut(stars=wide.stars if wide else None, stars_text=domain.star_text(wide.stars if wide else None)),
        merchant=_row_out(own, names) if own is not None and not operator else None,
        alliance=_row_out(wide, names) if wide is not None and operator else None,
        merchants=[_row_out(r, names) for r in rows if r.merchant_id is not None] if operator else [],
        history=[_history_out(h, operator or h.merchant_id is not None) for h in history])


def member_value_shown(session: Session, p: Principal, member_id: int) -> MemberValueOut | None:
    """For the member page: the value when the caller may read it, None for callers who see members but not
    values (an independent promoter)."""
    if not (p.is_operator or p.is_merchant_side) or p.promoter:
        return None
    return member_value(session, p, member_id)


def refresh_now(session: Session, p: Principal, alliance_id: int | None = None) -> RefreshReport:
    """The operator recomputes its alliance at once (the jobs do it on their next run anyway)."""
    policy.require_operator(p)
    return refresh(session, _alliance_of(session, p, alliance_id))


# --- settings --------------------------------------------------------------------------------------------------


def _alliance_of(session: Session, p: Principal, requested: int | None) -> int:
    alliance_id = p.alliance_id if p.alliance_id is not None else requested
    if alliance_id is None:
        raise NotFound("alliance")
    return alliances_repo.get_alliance(session, p, alliance_id).id


def _settings_out(row: ValueModelSettings) -> SettingsOut:
    return SettingsOut(alliance_id=row.alliance_id, window_days=row.window_days, last_run_at=row.last_run_at,
                       last_run_members=row.last_run_members)


def get_settings(session: Session, p: Principal, alliance_id: int | None = None) -> SettingsOut:
    policy.require_operator(p)
    return _settings_out(repository.settings_for(session, _alliance_of(session, p, alliance_id)))


def put_settings(session: Session, p: Principal, window_days: int, alliance_id: int | None = None) -> SettingsOut:
    """A new window takes effect at the next refresh, which is then a full one."""
    policy.require_operator(p)
    if not domain.window_valid(window_days):
        raise Invalid("validation_error", details={"window_days": f"{domain.MIN_WINDOW_DAYS}–{domain.MAX_WINDOW_DAYS}"})
    row = repository.settings_for(session, _alliance_of(session, p, alliance_id))
    row.window_days = window_days
    session.flush()
    return _settings_out(row)


# --- distributions ---------------------------------------------------------------------------------------------


def summary(session: Session, p: Principal, alliance_id: int | None = None,
            merchant_id: int | None = None) -> SummaryOut:
    """Counts per class and per star: the caller's merchant, or alliance-wide for the operator (who may also ask
    for one merchant of its alliance)."""
    if p.is_merchant_side and not p.promoter:
        if merchant_id is not None and merchant_id != p.merchant_id:
            raise Forbidden()
        merchant_id = p.merchant_id
        scope_alliance = p.alliance_id
    elif p.is_operator:
        scope_alliance = _alliance_of(session, p, alliance_id)
        if merchant_id is not None:
            merchant = merchants_repo.get_merchant(session, p, merchant_id)
            if merchant.alliance_id != scope_alliance:
                raise NotFound("merchant")
    else:
        raise Forbidden()
    if scope_alliance is None:
        raise NotFound("alliance")
    classes = dict(session.execute(repository.class_counts(scope_alliance, merchant_id)).all())
    stars = dict(session.execute(repository.star_counts(scope_alliance, merchant_id)).all())
    settings = session.scalar(select(ValueModelSettings).where(ValueModelSettings.alliance_id == scope_alliance))
    return SummaryOut(
        alliance_id=scope_alliance, merchant_id=merchant_id,
        refreshed_at=settings.last_run_at if settings else None,
        window_days=settings.window_days if settings else domain.DEFAULT_WINDOW_DAYS,
        classes=[ClassCount(rfm_class=c, members=int(classes.get(c.value, 0))) for c in domain.CLASS_OF.values()],
        stars=[StarCount(stars=s, members=int(stars.get(s, 0))) for s in range(1, domain.MAX_STARS + 1)],
        unscored=int(classes.get("", 0)))


def merchant_choices(session: Session, p: Principal, alliance_id: int) -> list[tuple[int, str]]:
    """The operator's merchant picker on the distributions page."""
    policy.require_operator(p)
    rows = session.scalars(merchants_repo.list_merchants(p).where(Merchant.alliance_id == alliance_id)
                           .order_by(Merchant.name))
    return [(m.id, m.name) for m in rows]
