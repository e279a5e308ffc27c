"""Settlement use cases: build a period's statements from the ledger, move them through their life cycle,
correct disputed ones with correcting postings (never edits), and verify statements against the ledger.
The door commits; these only flush."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.alliances.models import Alliance
from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.kit import clock
from lianmeng.kit.errors import Conflict, Forbidden, Invalid, NotFound
from lianmeng.kit.money import format_yuan
from lianmeng.ledger import repository as ledger_repo
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, Leg, OwnerType, Party
from lianmeng.merchants.models import Merchant
from lianmeng.notifications import service as notifications
from lianmeng.notifications.domain import StaffKind
from lianmeng.settlement import domain, repository
from lianmeng.settlement.domain import Action, SettlementCycle, Side, Standing, Status
from lianmeng.settlement.errors import Problem
from lianmeng.settlement.models import SettlementRun, Statement, StatementEvent, StatementLine
from lianmeng.settlement.schemas import (
    AdjustIn,
    CounterpartyNet,
    DisputeIn,
    EventOut,
    LineDetailOut,
    LineEntryOut,
    LineOut,
    Mismatch,
    PayIn,
    StatementOut,
    VerifyOut,
)
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.principal import SYSTEM
from lianmeng.webhooks import service as webhooks
from lianmeng.webhooks.domain import EventType

# a period is settled this long after it ends: anything dated inside it has committed by then
GRACE = timedelta(minutes=10)

Progress = Callable[[str], None]


def _period(text: str) -> domain.Period:
    try:
        return domain.parse_period(text)
    except domain.BadPeriod:
        raise Invalid(Problem.BAD_PERIOD, period=text[:20]) from None


def _alliance_of(session: Session, actor: Principal, alliance_id: int | None) -> int:
    policy.require_operator(actor)
    if not actor.is_platform:
        if alliance_id is not None and alliance_id != actor.alliance_id:
            raise NotFound("alliance")
        alliance_id = actor.alliance_id
    if alliance_id is None or session.get(Alliance, alliance_id) is None:
        raise NotFound("alliance")
    return alliance_id


def settle(session: Session, actor: Principal, alliance_id: int | None, period_text: str, *,
           progress: Progress | None = None, at: datetime | None = None) -> SettlementRun:
    """Build every statement of the period in a few set-based statements. A period is settled once: again → 409
    `period_settled` and nothing changes; before it has ended (plus GRACE) → 409 `period_open`."""
    step = progress or (lambda _: None)
    period = _period(period_text)
    alliance_id = _alliance_of(session, actor, alliance_id)
    now = at or clock.now()
    if now < period.ends_at + GRACE:
        raise Conflict(Problem.PERIOD_OPEN, period=period.label)
    session.scalars(select(Alliance.id).where(Alliance.id == alliance_id).with_for_update()).first()
    if repository.run_of(session, alliance_id, period.label) is not None:
        raise Conflict(Problem.PERIOD_SETTLED, period=period.label)
    latest = repository.latest_run(session, alliance_id, period.cycle.value)
    if latest is not None and latest.ends_at > period.starts_at:
        raise Conflict(Problem.PERIOD_OUT_OF_ORDER, period=period.label, latest=latest.period)
    run = SettlementRun(
        alliance_id=alliance_id, period=period.label, cycle=period.cycle.value, starts_at=period.starts_at,
        ends_at=period.ends_at, after_posting_id=latest.through_posting_id if latest else 0,
        through_posting_id=repository.last_posting_id(session, alliance_id), created_by=actor.label or actor.kind,
        created_at=now,
    )
    session.add(run)
    session.flush()
    binding = repository.bindings(session, alliance_id)
    monthly = period.cycle is SettlementCycle.MONTHLY
    step("statements")
    run.statements = repository.create_statements(
        session, run, None if monthly else sorted({m for m, _ in binding.of(period.cycle)}))
    step("lines")
    window = repository.Window(alliance_id, run.starts_at, run.ends_at, run.after_posting_id, run.through_posting_id)
    run.lines = repository.build_lines(session, run, window, period.cycle, binding)
    step("totals")
    repository.refresh_totals(session, run.alliance_id, repository.statement_ids_of_run(run))
    session.flush()
    audit.record(session, actor, AuditAction.SETTLEMENT_RUN, run.id, alliance_id=alliance_id,
                 after={"period": run.period, "cycle": run.cycle, "statements": run.statements, "lines": run.lines})
    return run


def _unsettled(session: Session, alliance_id: int, now: datetime) -> list[domain.Period]:
    """The alliance's last closed month (and week, and quarter, where pairs are bound to those cycles) that nobody
    has settled yet."""
    due = []
    for cycle in repository.bindings(session, alliance_id).cycles():
        period = domain.last_closed(cycle, now - GRACE)
        latest = repository.latest_run(session, alliance_id, cycle.value)
        if latest is None or latest.ends_at < period.ends_at:
            due.append(period)
    return due


def due_periods(session: Session, at: datetime | None = None) -> list[tuple[int, str]]:
    """The jobs' choice: (alliance, the labels of its periods to settle, e.g. '2026-11' or '2026-11,2026-W48')."""
    now = at or clock.now()
    due = []
    for alliance_id in session.scalars(select(Alliance.id).order_by(Alliance.id)).all():
        periods = _unsettled(session, alliance_id, now)
        if periods:
            due.append((alliance_id, ",".join(p.label for p in periods)))
    return due


def settle_due(session: Session, at: datetime | None = None, alliance_id: int | None = None) -> int:
    """The scheduled job: settle, in one alliance (or in every alliance), the last closed month (and week, and
    quarter, where pairs are bound to those cycles) if nobody has. Returns the statements built."""
    now = at or clock.now()
    built = 0
    alliances = ([alliance_id] if alliance_id is not None
                 else session.scalars(select(Alliance.id).order_by(Alliance.id)).all())
    for alliance in alliances:
        for period in _unsettled(session, alliance, now):
            try:
                built += settle(session, SYSTEM, alliance, period.label, at=now).statements
            except Conflict:  # another job run settled it first (it waited on the alliance lock): nothing to do
                continue
    return built


def issue_run(session: Session, actor: Principal, run_id: int) -> SettlementRun:
    """Issue every draft statement of a run to its merchant."""
    run = repository.get_run(session, actor, run_id)
    for statement in repository.drafts_of_run(session, run):
        _apply(session, actor, statement, Action.ISSUE, Side.OPERATOR)
    session.flush()
    return run


def _side(actor: Principal, statement: Statement) -> Side:
    if actor.is_operator:
        return Side.OPERATOR
    if actor.manages_merchant and actor.merchant_id == statement.merchant_id:
        return Side.MERCHANT
    raise Forbidden()


def _standing(statement: Statement) -> Standing:
    confirmed = {side for side, at in ((Side.MERCHANT, statement.merchant_confirmed_at),
                                       (Side.OPERATOR, statement.operator_confirmed_at)) if at is not None}
    return Standing(Status(statement.status), frozenset(confirmed))


def _apply(session: Session, actor: Principal, statement: Statement, action: Action, side: Side, *,
           reason: str = "", line_ids: list[int] | None = None, details: dict[str, object] | None = None) -> bool:
    """Move the statement and record the event; False when nothing changed (a side confirming twice)."""
    before = _standing(statement)
    try:
        after = domain.act(before, action, side)
    except domain.Refused as refused:
        if refused.code == "statement_side":
            raise Forbidden(Problem.STATEMENT_SIDE, action=action.value) from None
        raise Conflict(refused.code, status=refused.params.get("status"), action=action.value) from None
    if after == before:
        return False
    now = clock.now()
    if action is Action.CONFIRM:
        if side is Side.MERCHANT:
            statement.merchant_confirmed_at = now
        else:
            statement.operator_confirmed_at = now
    elif action in (Action.DISPUTE, Action.ADJUST):
        statement.merchant_confirmed_at = statement.operator_confirmed_at = None
    elif action is Action.ISSUE:
        statement.issued_at = now
    elif action is Action.PAY:
        statement.paid_at = now
    statement.status = after.status.value
    session.add(StatementEvent(alliance_id=statement.alliance_id,
                               statement_id=statement.id, action=action.value, side=side.value,
                               from_status=before.status.value, to_status=after.status.value,
                               actor=actor.label or actor.kind, reason=reason, line_ids=line_ids or [],
                               details=details or {}, at=now))
    audit.record(session, actor, AuditAction(f"statement.{action.value}"), statement.id,
                 alliance_id=statement.alliance_id, before={"status": before.status.value},
                 after={"status": after.status.value, "side": side.value, "reason": reason or None,
                        "line_ids": line_ids or None, **(details or {})})
    if action is Action.ISSUE:  # the merchant's admins hear of it in this transaction
        notifications.notify_staff(session, StaffKind.STATEMENT_ISSUED, alliance_id=statement.alliance_id,
                                   merchant_id=statement.merchant_id,
                                   params={"period": statement.period, "net_fen": statement.net_fen},
                                   link=f"/console/money/statements/{statement.id}")
        webhooks.emit(session, statement.alliance_id, statement.merchant_id, EventType.STATEMENT_ISSUED, {
            "statement_id": statement.id, "run_id": statement.run_id, "merchant_id": statement.merchant_id,
            "period": statement.period, "net_fen": statement.net_fen, "issued_at": now.isoformat(),
        })
    return True


def issue(session: Session, actor: Principal, statement_id: int) -> StatementOut:
    statement = repository.get_statement(session, actor, statement_id, lock=True)
    _apply(session, actor, statement, Action.ISSUE, _side(actor, statement))
    session.flush()
    return statement_out(session, statement)


def confirm(session: Session, actor: Principal, statement_id: int) -> StatementOut:
    """The merchant's admin and the operator each confirm; with both, the statement is confirmed and immutable."""
    statement = repository.get_statement(session, actor, statement_id, lock=True)
    _apply(session, actor, statement, Action.CONFIRM, _side(actor, statement))
    session.flush()
    return statement_out(session, statement)


def dispute(session: Session, actor: Principal, statement_id: int, data: DisputeIn) -> StatementOut:
    statement = repository.get_statement(session, actor, statement_id, lock=True)
    side = _side(actor, statement)
    known = {line.id for line in repository.lines_of(session, statement)}
    unknown = [line_id for line_id in data.line_ids if line_id not in known]
    if unknown:
        raise Invalid(Problem.STATEMENT_LINE_UNKNOWN, line_id=str(unknown[0]))
    _apply(session, actor, statement, Action.DISPUTE, side, reason=data.reason,
           line_ids=sorted(set(data.line_ids)))
    session.flush()
    return statement_out(session, statement)


def pay(session: Session, actor: Principal, statement_id: int, data: PayIn) -> StatementOut:
    statement = repository.get_statement(session, actor, statement_id, lock=True)
    _apply(session, actor, statement, Action.PAY, _side(actor, statement), details={"payout_ref": data.payout_ref})
    statement.payout_ref = data.payout_ref
    session.flush()
    return statement_out(session, statement)


def _adjustment_ref(owner: Party, statement_id: int) -> AccountRef:
    return AccountRef(owner.owner_type, owner.owner_id, AccountKind.SETTLEMENT_ADJUSTMENT, scope_id=statement_id)


def adjust(session: Session, actor: Principal, statement_id: int, data: AdjustIn) -> StatementOut:
    """Answer a dispute with correcting entries: one posting, each correction between the merchant and the line's
    counterparty (a partner merchant, else the operator). The merchant's side goes on this statement; a partner's
    side on the partner's statement of the same run when that is still open (else on its next one, as a late
    correction naming this statement). Both sides confirm again afterwards."""
    peek = repository.get_statement(session, actor, statement_id)
    policy.require_operator(actor)
    lines = {line.id: line for line in repository.lines_of(session, peek)}
    for item in data.adjustments:
        if item.line_id not in lines:
            raise Invalid(Problem.STATEMENT_LINE_UNKNOWN, line_id=str(item.line_id))
    partners = sorted({lines[i.line_id].party_id for i in data.adjustments
                       if lines[i.line_id].party_type == "merchant"} - {peek.merchant_id})
    locked = {s.merchant_id: s for s in _lock_in_id_order(session, peek, partners)}
    statement = locked[peek.merchant_id]
    if statement.status != Status.DISPUTED.value:
        raise Conflict(Problem.STATEMENT_TRANSITION, status=statement.status, action=Action.ADJUST.value)
    me = Party(OwnerType.MERCHANT, statement.merchant_id)
    legs: list[Leg] = []
    for item in data.adjustments:
        line = lines[item.line_id]
        party = Party(OwnerType(line.party_type), line.party_id)
        other = party if party.owner_type is OwnerType.MERCHANT else Party(OwnerType.OPERATOR, 0)
        legs += [Leg(_adjustment_ref(me, statement.id), item.amount_fen, party),
                 Leg(_adjustment_ref(other, statement.id), -item.amount_fen, me)]
    _apply(session, actor, statement, Action.ADJUST, Side.OPERATOR,
           reason="; ".join(i.note for i in data.adjustments)[:500], line_ids=[i.line_id for i in data.adjustments],
           details={"adjustments": [i.model_dump() for i in data.adjustments]})
    session.flush()
    event_id = session.scalar(select(StatementEvent.id).where(StatementEvent.alliance_id == statement.alliance_id,
                                                              StatementEvent.statement_id == statement.id)
                              .order_by(StatementEvent.id.desc()).limit(1))
    posted = ledger.post(session, statement.alliance_id, f"statement:{statement.id}:adjust:{event_id}",
                         repository.ADJUSTMENT, legs, cause_id=statement.id, memo=f"statement {statement.id}")
    accounts = ledger_repo.ensure_accounts(session, statement.alliance_id, [leg.account for leg in legs])
    touched = {statement.id}
    for item in data.adjustments:
        line = lines[item.line_id]
        party = Party(OwnerType(line.party_type), line.party_id)
        session.add(_adjustment_line(statement, accounts[_adjustment_ref(me, statement.id)].id, party,
                                     item.amount_fen, posted.posting.id, item.note, adjusts=line.id))
        partner = locked.get(party.owner_id) if party.owner_type is OwnerType.MERCHANT else None
        if partner is not None and partner.id != statement.id and not domain.is_closed(Status(partner.status)):
            session.add(_adjustment_line(partner, accounts[_adjustment_ref(party, statement.id)].id, me,
                                         -item.amount_fen, posted.posting.id, item.note, corrects=statement.id))
            touched.add(partner.id)
            if partner.status in (Status.ISSUED.value, Status.ADJUSTED.value):
                _reopen(session, actor, partner, statement.id)
    session.flush()
    repository.refresh_totals(session, statement.alliance_id, sorted(touched))
    session.flush()
    session.refresh(statement)
    return statement_out(session, statement)


def _reopen(session: Session, actor: Principal, partner: Statement, cause_statement_id: int) -> None:
    """A partner's open statement got the other side of a correction: it is adjusted and both confirm again."""
    session.add(StatementEvent(alliance_id=partner.alliance_id,
                               statement_id=partner.id, action=Action.ADJUST.value, side=Side.OPERATOR.value,
                               from_status=partner.status, to_status=Status.ADJUSTED.value,
                               actor=actor.label or actor.kind, reason=f"statement {cause_statement_id}",
                               line_ids=[], details={"mirror_of": cause_statement_id}, at=clock.now()))
    partner.status = Status.ADJUSTED.value
    partner.merchant_confirmed_at = partner.operator_confirmed_at = None


def _lock_in_id_order(session: Session, statement: Statement, partner_ids: list[int]) -> list[Statement]:
    """The statement and its partners' statements of the same run, locked in id order (no deadlocks)."""
    rows = session.scalars(select(Statement).where(
        Statement.alliance_id == statement.alliance_id, Statement.run_id == statement.run_id,
        Statement.merchant_id.in_([statement.merchant_id, *partner_ids]))
        .order_by(Statement.id).with_for_update()).all()
    return list(rows)


def _adjustment_line(statement: Statement, account_id: int, party: Party, amount_fen: int, posting_id: int,
                     note: str, *, adjusts: int | None = None, corrects: int | None = None) -> StatementLine:
    return StatementLine(
        alliance_id=statement.alliance_id,
        statement_id=statement.id, account_id=account_id, kind=AccountKind.SETTLEMENT_ADJUSTMENT.value,
        cause=repository.ADJUSTMENT, party_type=party.owner_type.value, party_id=party.owner_id,
        amount_fen=amount_fen, entries=1, late=False, earliest_at=clock.now(),
        corrects_statement_id=corrects if corrects is not None else statement.id, adjusts_line_id=adjusts,
        posting_id=posting_id, note=note[:300])


def verify(session: Session, actor: Principal, run_id: int) -> VerifyOut:
    """Statement lines against the ledger, per account, to the fen: the ledger side is read again from the
    entries, not from the lines."""
    run = repository.get_run(session, actor, run_id)
    binding = repository.bindings(session, run.alliance_id)
    ledger_side = repository.ledger_movements(session, run, SettlementCycle(run.cycle), binding)
    statement_side = repository.statement_movements(session, run)
    mismatches = [
        Mismatch(account_id=account_id, ledger_fen=ledger_side.get(account_id, (0, 0))[0],
                 statement_fen=statement_side.get(account_id, (0, 0))[0])
        for account_id in sorted(set(ledger_side) | set(statement_side))
        if ledger_side.get(account_id, (0, 0)) != statement_side.get(account_id, (0, 0))
    ]
    return VerifyOut(
        run_id=run.id, alliance_id=run.alliance_id, period=run.period, ok=not mismatches,
        accounts=len(set(ledger_side) | set(statement_side)), entries=sum(c for _, c in ledger_side.values()),
        ledger_fen=sum(f for f, _ in ledger_side.values()), statement_fen=sum(f for f, _ in statement_side.values()),
        mismatches=mismatches)


def statement_out(session: Session, statement: Statement, language: str = "zh-CN") -> StatementOut:
    run = session.get(SettlementRun, statement.run_id)
    merchant = session.get(Merchant, statement.merchant_id)
    assert run is not None and merchant is not None
    lines = repository.lines_of(session, statement)
    names = repository.names(session, statement.alliance_id, {(line.party_type, line.party_id) for line in lines})
    cycle = SettlementCycle(run.cycle)
    numbers = domain.line_numbers(line.id for line in lines)
    nets = domain.net_by_counterparty(domain.LineFigures(x.party_type, x.party_id, x.amount_fen) for x in lines)
    events = []
    for event in repository.events_of(session, statement):
        out = EventOut.model_validate(event)
        out.line_numbers = [numbers[i] for i in event.line_ids if i in numbers]
        mirror = (event.details or {}).get("mirror_of")
        if isinstance(mirror, int):
            out.mirror_of, out.reason = mirror, ""
        events.append(out)
    return StatementOut(
        id=statement.id, run_id=run.id, alliance_id=statement.alliance_id, merchant_id=merchant.id,
        merchant_name=merchant.name, period=statement.period, cycle=run.cycle,
        cycle_label=domain.cycle_label(run.cycle, language), starts_at=run.starts_at,
        ends_at=run.ends_at, status=statement.status, net_fen=statement.net_fen, net=format_yuan(statement.net_fen),
        merchant_confirmed_at=statement.merchant_confirmed_at, operator_confirmed_at=statement.operator_confirmed_at,
        issued_at=statement.issued_at, paid_at=statement.paid_at, payout_ref=statement.payout_ref,
        lines=[_line_out(line, names, numbers, cycle, language) for line in lines],
        counterparties=[CounterpartyNet(party_type=t, party_id=i, party_name=names.get((t, i), f"{t} {i}"),
                                        net_fen=fen, net=format_yuan(fen)) for (t, i), fen in nets.items()],
        events=events,
    )


def statement_details(session: Session, actor: Principal, statement_id: int, language: str = "zh-CN"
                      ) -> tuple[StatementOut, list[LineDetailOut]]:
    """The statement and, per line in order, the entries behind it (the export's details sheet)."""
    statement = repository.get_statement(session, actor, statement_id)
    out = statement_out(session, statement, language)
    lines = repository.lines_of(session, statement)
    return out, [_line_detail(session, statement, lines, line, language) for line in lines]


def line_detail(session: Session, actor: Principal, line_id: int, language: str = "zh-CN") -> LineDetailOut:
    """A statement line and the ledger entries behind it, each with its order when it came from one: what a
    merchant needs to back a dispute. Whoever may read the statement may read its lines (a merchant its own);
    a line of a statement the caller may not read is not found, as if it did not exist."""
    found = session.get(StatementLine, line_id)
    if found is None:
        raise NotFound("statement_line")
    try:
        statement = repository.get_statement(session, actor, found.statement_id)
    except NotFound:
        raise NotFound("statement_line") from None
    return _line_detail(session, statement, repository.lines_of(session, statement), found, language)


def _line_detail(session: Session, statement: Statement, lines: list[StatementLine], line: StatementLine,
                 language: str) -> LineDetailOut:
    run = session.get(SettlementRun, statement.run_id)
    merchant = session.get(Merchant, statement.merchant_id)
    assert run is not None and merchant is not None
    names = repository.names(session, statement.alliance_id, {(line.party_type, line.party_id)})
    numbers = domain.line_numbers(x.id for x in lines)
    entries = [LineEntryOut(
        entry_id=e.entry_id, posting_id=e.posting_id, at=e.at, cause=e.cause,
        cause_label=domain.cause_label(e.cause, language), cause_id=e.cause_id, amount_fen=e.amount_fen,
        amount=format_yuan(e.amount_fen), order_id=e.order_id, receipt=e.receipt, order_merchant=e.order_merchant,
        order_store=e.order_store, order_amount_fen=e.order_amount_fen, order_at=e.order_at, refund_id=e.refund_id)
        for e in repository.entries_of_line(session, run, line)]
    return LineDetailOut(statement_id=statement.id, merchant_name=merchant.name, period=statement.period,
                         status=statement.status,
                         line=_line_out(line, names, numbers, SettlementCycle(run.cycle), language),
                         entries=entries)


def _line_out(line: StatementLine, names: dict[tuple[str, int], str], numbers: dict[int, int],
              cycle: SettlementCycle, language: str) -> LineOut:
    late_from = domain.period_containing(cycle, clock.today_in_shanghai(line.earliest_at)).label \
        if line.late and line.earliest_at else None
    return LineOut(
        id=line.id, number=numbers[line.id], account_id=line.account_id, kind=line.kind,
        kind_label=domain.kind_label(line.kind, language),
        cause=line.cause, cause_label=domain.cause_label(line.cause, language), party_type=line.party_type,
        party_id=line.party_id,
        party_name=names.get((line.party_type, line.party_id), f"{line.party_type} {line.party_id}"),
        amount_fen=line.amount_fen, amount=format_yuan(line.amount_fen), entries=line.entries, late=line.late,
        corrects_period=late_from, corrects_statement_id=line.corrects_statement_id,
        adjusts_line_id=line.adjusts_line_id,
        adjusts_line_number=numbers.get(line.adjusts_line_id) if line.adjusts_line_id is not None else None,
        posting_id=line.posting_id, note=line.note)
