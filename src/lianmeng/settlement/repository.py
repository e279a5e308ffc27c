"""All settlement queries. Building a period's statements is three set-based statements whatever the number of
ledger lines: one INSERT … SELECT for the statements, one INSERT … SELECT … GROUP BY for their lines (straight from
the ledger entries), one UPDATE for the totals. Verification re-reads the ledger independently."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    insert,
    literal,
    not_,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased

from lianmeng.agreements.models import Agreement
from lianmeng.alliances.models import Alliance
from lianmeng.db import UTCDateTime, in_keys
from lianmeng.ledger.domain import PostingCause
from lianmeng.ledger.models import Account, Entry, Posting
from lianmeng.merchants.models import Merchant, Staff, Store
from lianmeng.orders.models import Order, Refund
from lianmeng.settlement.domain import SettlementCycle
from lianmeng.settlement.models import SettlementRun, Statement, StatementEvent, StatementLine
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped, scoped_select

ADJUSTMENT = PostingCause.SETTLEMENT_ADJUSTMENT
# agreements whose weekly or quarterly cycle binds the pair: once active, for good (so no period is settled under two
# cycles)
BINDING_STATUSES = ("active", "suspended", "terminated", "expired")


@dataclass(frozen=True)
class Window:
    """Which postings a run covers: ids in (after, through], dated in [starts_at, ends_at) — or dated earlier
    (late: committed after the earlier period was settled)."""

    alliance_id: int
    starts_at: datetime
    ends_at: datetime
    after_posting_id: int
    through_posting_id: int


def get_run(session: Session, p: Principal, run_id: int) -> SettlementRun:
    return get_scoped(session, SettlementRun, run_id, policy.settlement_runs(p), "settlement_run")


def list_runs(p: Principal) -> Select[Any]:
    return scoped_select(SettlementRun, policy.settlement_runs(p)).order_by(SettlementRun.starts_at.desc(),
                                                                             SettlementRun.id.desc())


def run_of(session: Session, alliance_id: int, period: str) -> SettlementRun | None:
    return session.scalars(select(SettlementRun).where(SettlementRun.alliance_id == alliance_id,
                                                       SettlementRun.period == period)).first()


def latest_run(session: Session, alliance_id: int, cycle: str) -> SettlementRun | None:
    return session.scalars(select(SettlementRun).where(SettlementRun.alliance_id == alliance_id,
                                                       SettlementRun.cycle == cycle)
                           .order_by(SettlementRun.ends_at.desc()).limit(1)).first()


def settled_spans(session: Session, alliance_id: int, merchant_id: int) -> list[tuple[str, datetime, datetime]]:
    """(period, starts_at, ends_at) of the runs that settled the merchant's movements: every monthly run of the
    alliance, and weekly or quarterly runs that drew the merchant a statement. First the alliance row is held
    (FOR KEY SHARE, until the caller's transaction ends) so no run starts between this read and the caller's
    commit: `settle` takes the row FOR UPDATE and waits, then sees what was written."""
    session.scalars(select(Alliance.id).where(Alliance.id == alliance_id).with_for_update(read=True, key_share=True)
                    ).first()
    drawn = exists().where(Statement.run_id == SettlementRun.id, Statement.merchant_id == merchant_id)
    rows = session.execute(select(SettlementRun.period, SettlementRun.starts_at, SettlementRun.ends_at).where(
        SettlementRun.alliance_id == alliance_id,
        or_(SettlementRun.cycle == SettlementCycle.MONTHLY.value, drawn)).order_by(SettlementRun.starts_at))
    return [(period, starts_at, ends_at) for period, starts_at, ends_at in rows]


def last_posting_id(session: Session, alliance_id: int) -> int:
    return int(session.scalar(select(func.coalesce(func.max(Posting.id), 0)).where(
        Posting.alliance_id == alliance_id)) or 0)


@dataclass(frozen=True)
class Binding:
    """Which merchant pairs settle on a cycle other than monthly: (merchant, partner) pairs, both ways, per cycle.
    Every other line (staff, the operator, pairs without such an agreement) settles monthly."""

    pairs: dict[SettlementCycle, list[tuple[int, int]]]

    def of(self, cycle: SettlementCycle) -> list[tuple[int, int]]:
        """The pairs a run of `cycle` covers (monthly: none named; it takes everything not bound elsewhere)."""
        return self.pairs.get(cycle, [])

    def bound(self) -> list[tuple[int, int]]:
        return sorted(pair for pairs in self.pairs.values() for pair in pairs)

    def cycles(self) -> list[SettlementCycle]:
        """The cycles an alliance settles: monthly always, the others where a pair is bound to them."""
        return [SettlementCycle.MONTHLY, *(c for c in SettlementCycle if self.pairs.get(c))]


def bindings(session: Session, alliance_id: int) -> Binding:
    """Pairs bound by a bilateral agreement settled weekly or quarterly, once it has been active (for good, so no
    movement is settled under two cycles). A pair bound by agreements of both cycles takes the cycle of the oldest."""
    rows = session.execute(select(Agreement.merchant_a_id, Agreement.merchant_b_id, Agreement.settlement_cycle).where(
        Agreement.alliance_id == alliance_id,
        Agreement.settlement_cycle.in_([c.value for c in SettlementCycle if c is not SettlementCycle.MONTHLY]),
        Agreement.status.in_(BINDING_STATUSES), Agreement.merchant_a_id.is_not(None),
        Agreement.merchant_b_id.is_not(None)).order_by(Agreement.id))
    cycle_of: dict[tuple[int, int], SettlementCycle] = {}
    for a, b, cycle in rows:
        if a is not None and b is not None:
            for pair in ((a, b), (b, a)):
                cycle_of.setdefault(pair, SettlementCycle(cycle))
    pairs: dict[SettlementCycle, list[tuple[int, int]]] = {}
    for pair, cycle in sorted(cycle_of.items()):
        pairs.setdefault(cycle, []).append(pair)
    return Binding(pairs)


def _cycle_condition(session: Session, cycle: SettlementCycle, binding: Binding) -> ColumnElement[bool]:
    """Monthly runs take every entry except those between bound pairs; other runs only their own pairs'."""
    pairs = binding.bound() if cycle is SettlementCycle.MONTHLY else binding.of(cycle)
    if not pairs:
        return true() if cycle is SettlementCycle.MONTHLY else false()
    on_pair = and_(Entry.party_type == "merchant", in_keys(session, (Account.owner_id, Entry.party_id), pairs))
    return not_(on_pair) if cycle is SettlementCycle.MONTHLY else on_pair


def _placed_on_a_statement() -> ColumnElement[bool]:
    return exists().where(StatementLine.alliance_id == Posting.alliance_id, StatementLine.posting_id == Posting.id,
                          StatementLine.account_id == Entry.account_id)


def _movements(session: Session, window: Window, cycle: SettlementCycle, binding: Binding
               ) -> list[ColumnElement[bool]]:
    """The entries a run settles: merchant accounts, legs naming a counterparty, in the window, not correcting
    entries already placed on a statement when they were made."""
    starts_at = literal(window.starts_at, UTCDateTime())
    return [
        Posting.alliance_id == window.alliance_id,
        Posting.id <= window.through_posting_id,
        or_(and_(Posting.occurred_at >= starts_at, Posting.occurred_at < literal(window.ends_at, UTCDateTime())),
            and_(Posting.occurred_at < starts_at, Posting.id > window.after_posting_id)),
        or_(Posting.cause != ADJUSTMENT, not_(_placed_on_a_statement())),
        Account.owner_type == "merchant",
        Entry.party_type.is_not(None),
        _cycle_condition(session, cycle, binding),
    ]


def create_statements(session: Session, run: SettlementRun, merchant_ids: Sequence[int] | None) -> int:
    """One draft statement per merchant of the alliance (`merchant_ids`: only these)."""
    chosen = select(
        Merchant.alliance_id, literal(run.id), Merchant.id, literal(run.period), literal("draft"),
        literal(0), literal(run.created_at, UTCDateTime()),
    ).where(Merchant.alliance_id == run.alliance_id)
    if merchant_ids is not None:
        chosen = chosen.where(Merchant.id.in_(merchant_ids))
    session.execute(insert(Statement).from_select(
        ["alliance_id", "run_id", "merchant_id", "period", "status", "net_fen", "created_at"], chosen))
    return int(session.scalar(select(func.count()).where(Statement.alliance_id == run.alliance_id,
                                                         Statement.run_id == run.id)) or 0)


LINE_COLUMNS = ["alliance_id", "statement_id", "account_id", "kind", "cause", "party_type", "party_id", "late",
                "late_of_run_id", "corrects_statement_id", "amount_fen", "entries", "earliest_at", "note"]


def build_lines(session: Session, run: SettlementRun, window: Window, cycle: SettlementCycle, binding: Binding
                ) -> int:
    """Every statement line of the run in one INSERT … SELECT over the ledger entries, aggregated first and joined
    to the statements after (docs/benchmarks.md). Two branches: the bulk — dated in the period, not a correction —
    grouped by four keys with no OR and no subquery, and the few rest: late entries (each naming the earlier run
    whose period it is dated in) and corrections not already placed on a statement when they were made. The bulk
    reads the entries' own copies of the posting's cause and occurred_at, so it does not join the postings."""
    starts_at = literal(window.starts_at, UTCDateTime())
    ends_at = literal(window.ends_at, UTCDateTime())
    earlier = aliased(SettlementRun)
    run_of_date = (select(earlier.id)
                   .where(earlier.alliance_id == window.alliance_id, earlier.cycle == run.cycle,
                          earlier.starts_at <= Posting.occurred_at, earlier.ends_at > Posting.occurred_at)
                   .limit(1).scalar_subquery())
    common = [Entry.posting_id <= window.through_posting_id,
              Entry.party_type.is_not(None), Account.alliance_id == window.alliance_id,
              Account.owner_type == "merchant", _cycle_condition(session, cycle, binding)]
    on_posting = [Posting.alliance_id == window.alliance_id, Posting.id <= window.through_posting_id]
    in_period = and_(Posting.occurred_at >= starts_at, Posting.occurred_at < ends_at)

    def branch(keys: tuple[Any, ...], extra: Callable[[Any], tuple[Any, Any, Any]],
               where: list[ColumnElement[bool]], postings: bool = True) -> Select[Any]:
        earliest = Posting.occurred_at if postings else Entry.occurred_at
        sums = select(*keys, func.sum(Entry.amount).label("amount"), func.count().label("entries"),
                      func.min(earliest).label("earliest_at")).select_from(Entry)
        if postings:
            sums = sums.join(Posting, _posting_of_entry()).where(*on_posting)
        sums = sums.join(Account, _account_of_entry()).where(*common, *where).group_by(*keys)
        summed = sums.subquery()
        owner = aliased(Account)
        late, late_of, corrects = extra(summed.c)
        return (select(Statement.alliance_id, Statement.id, summed.c.account_id, owner.kind, summed.c.cause,
                       summed.c.party_type, summed.c.party_id, late, late_of, corrects, summed.c.amount,
                       summed.c.entries, summed.c.earliest_at, literal(""))
                .select_from(summed)
                .join(owner, and_(owner.alliance_id == run.alliance_id, owner.id == summed.c.account_id))
                .join(Statement, and_(Statement.alliance_id == owner.alliance_id, Statement.run_id == run.id,
                                      Statement.merchant_id == owner.owner_id)))

    # the bulk: the entries alone (the alliance through their accounts, the window through their copies)
    bulk = branch((Entry.account_id, Entry.cause, Entry.party_type, Entry.party_id),
                  lambda c: (false(), cast(null(), Integer), cast(null(), Integer)),
                  [Entry.occurred_at >= starts_at, Entry.occurred_at < ends_at, Entry.cause != ADJUSTMENT],
                  postings=False)
    keys = (Entry.account_id, Posting.cause, Entry.party_type, Entry.party_id)
    late_key = case((Posting.occurred_at < starts_at, true()), else_=false()).label("late")
    late_of = case((Posting.occurred_at < starts_at, run_of_date), else_=None).label("late_of_run_id")
    corrects = case((Posting.cause == ADJUSTMENT, Posting.cause_id), else_=None).label("corrects_statement_id")
    rest = branch((*keys, late_key, late_of, corrects), lambda c: (c.late, c.late_of_run_id, c.corrects_statement_id),
                  [or_(and_(Posting.occurred_at < starts_at, Posting.id > window.after_posting_id),
                       and_(in_period, Posting.cause == ADJUSTMENT)),
                   or_(Posting.cause != ADJUSTMENT, not_(_placed_on_a_statement()))])
    session.execute(insert(StatementLine).from_select(LINE_COLUMNS, union_all(bulk, rest)))
    # (counted: psycopg does not report INSERT … SELECT row counts through SQLAlchemy here)
    return int(session.scalar(select(func.count()).where(StatementLine.alliance_id == run.alliance_id,
                                                         StatementLine.statement_id.in_(
        statement_ids_of_run(run)))) or 0)


def refresh_totals(session: Session, alliance_id: int, statement_ids: Select[Any] | Sequence[int]) -> None:
    """net_fen = the sum of the statement's lines (lines are only ever appended)."""
    total = (select(func.coalesce(func.sum(StatementLine.amount_fen), 0))
             .where(StatementLine.alliance_id == Statement.alliance_id, StatementLine.statement_id == Statement.id)
             .scalar_subquery())
    session.execute(update(Statement).where(Statement.alliance_id == alliance_id, Statement.id.in_(statement_ids))
                    .values(net_fen=total).execution_options(synchronize_session=False))


def statement_ids_of_run(run: SettlementRun) -> Select[Any]:
    return select(Statement.id).where(Statement.alliance_id == run.alliance_id, Statement.run_id == run.id)


def _posting_of_entry() -> ColumnElement[bool]:
    """An entry's posting, joined on the alliance too (co-located tables join on one node, docs/scale.md)."""
    return and_(Posting.alliance_id == Entry.alliance_id, Posting.id == Entry.posting_id)


def _account_of_entry() -> ColumnElement[bool]:
    return and_(Account.alliance_id == Entry.alliance_id, Account.id == Entry.account_id)


def ledger_movements(session: Session, run: SettlementRun, cycle: SettlementCycle, binding: Binding
                     ) -> dict[int, tuple[int, int]]:
    """Account → (fen, entries): the ledger's movements dated in the run's period, read again from the entries
    (whenever they were written: a posting that slipped in after the run shows up here), plus the correcting
    entries placed on the run's statements."""
    everything = 2**31 - 1  # beyond any posting id (an INTEGER column): only the date bounds count
    dated = Window(run.alliance_id, run.starts_at, run.ends_at, after_posting_id=everything,
                   through_posting_id=everything)
    sums = (select(Entry.account_id, func.sum(Entry.amount).label("fen"), func.count().label("n"))
            .join(Posting, _posting_of_entry()).join(Account, _account_of_entry())
            .where(*_movements(session, dated, cycle, binding), Account.alliance_id == run.alliance_id)
            .group_by(Entry.account_id).subquery())
    owner = aliased(Account)
    in_period = (select(sums.c.account_id, sums.c.fen, sums.c.n)
                 .join(owner, and_(owner.alliance_id == run.alliance_id, owner.id == sums.c.account_id))
                 .where(owner.owner_id.in_(select(Statement.merchant_id).where(
                     Statement.alliance_id == run.alliance_id, Statement.run_id == run.id))))
    placed = (select(Entry.account_id, func.sum(Entry.amount), func.count())
              .where(Entry.alliance_id == run.alliance_id,
                     exists().where(StatementLine.alliance_id == Entry.alliance_id,
                                    StatementLine.posting_id == Entry.posting_id,
                                    StatementLine.account_id == Entry.account_id,
                                    StatementLine.statement_id.in_(statement_ids_of_run(run))))
              .group_by(Entry.account_id))
    out: dict[int, tuple[int, int]] = {}
    for account_id, fen, count in [*session.execute(in_period), *session.execute(placed)]:
        before = out.get(account_id, (0, 0))
        out[account_id] = (before[0] + int(fen), before[1] + int(count))
    return out


def statement_movements(session: Session, run: SettlementRun) -> dict[int, tuple[int, int]]:
    """Account → (fen, entries) on statements for the run's period: its own lines except late ones (those belong
    to earlier periods), plus late lines of later runs dated in this run's period."""
    mine = and_(StatementLine.statement_id.in_(statement_ids_of_run(run)), not_(StatementLine.late))
    rows = session.execute(select(StatementLine.account_id, func.sum(StatementLine.amount_fen),
                                  func.sum(StatementLine.entries))
                           .where(StatementLine.alliance_id == run.alliance_id,
                                  or_(mine, StatementLine.late_of_run_id == run.id))
                           .group_by(StatementLine.account_id))
    return {account_id: (int(fen), int(count)) for account_id, fen, count in rows}


def get_statement(session: Session, p: Principal, statement_id: int, *, lock: bool = False) -> Statement:
    return get_scoped(session, Statement, statement_id, policy.statements(p), "statement", lock=lock)


def list_statements(p: Principal, *, period: str | None = None, status: str | None = None,
                    merchant_id: int | None = None, run_id: int | None = None) -> Select[Any]:
    stmt = scoped_select(Statement, policy.statements(p))
    if period:
        stmt = stmt.where(Statement.period == period)
    if status:
        stmt = stmt.where(Statement.status == status)
    if merchant_id is not None:
        stmt = stmt.where(Statement.merchant_id == merchant_id)
    if run_id is not None:
        stmt = stmt.where(Statement.run_id == run_id)
    return stmt.order_by(Statement.id.desc())


def statement_of(session: Session, run: SettlementRun, merchant_id: int, *, lock: bool = False
                 ) -> Statement | None:
    stmt = select(Statement).where(Statement.alliance_id == run.alliance_id, Statement.run_id == run.id,
                                   Statement.merchant_id == merchant_id)
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def drafts_of_run(session: Session, run: SettlementRun) -> list[Statement]:
    return list(session.scalars(select(Statement).where(Statement.alliance_id == run.alliance_id,
                                                        Statement.run_id == run.id, Statement.status == "draft")
                                .order_by(Statement.id).with_for_update()))


def lines_of(session: Session, statement: Statement) -> list[StatementLine]:
    return list(session.scalars(select(StatementLine).where(StatementLine.alliance_id == statement.alliance_id,
                                                            StatementLine.statement_id == statement.id)
                                .order_by(StatementLine.id)))


def events_of(session: Session, statement: Statement) -> list[StatementEvent]:
    return list(session.scalars(select(StatementEvent).where(StatementEvent.alliance_id == statement.alliance_id,
                                                             StatementEvent.statement_id == statement.id)
                                .order_by(StatementEvent.id)))


def names(session: Session, alliance_id: int | None, parties: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Display names of counterparties: merchants by name, staff as name (merchant), members (sharers' rewards,
    distribution) as one aggregated counterparty, never a member. They are all of one alliance (`alliance_id`), but
    for the platform's list of every alliance's statements (None)."""
    merchant_in = Merchant.alliance_id == alliance_id if alliance_id is not None else true()
    merchant_ids = {id_ for type_, id_ in parties if type_ == "merchant"}
    staff_ids = {id_ for type_, id_ in parties if type_ == "staff"}
    out: dict[tuple[str, int], str] = {("operator", 0): "联盟总部 Operator",
                                       ("member", 0): "会员分销 Member distribution"}
    if merchant_ids:
        out.update({("merchant", id_): name for id_, name in session.execute(
            select(Merchant.id, Merchant.name).where(merchant_in, Merchant.id.in_(merchant_ids)))})
    if staff_ids:
        out.update({("staff", id_): f"{name}({merchant})" for id_, name, merchant in session.execute(
            select(Staff.id, Staff.name, Merchant.name)
            .join(Merchant, and_(Merchant.alliance_id == Staff.alliance_id, Merchant.id == Staff.merchant_id))
            .where(merchant_in, Staff.id.in_(staff_ids)))})
    return out


@dataclass(frozen=True)
class LineEntry:
    """One ledger entry behind a statement line, with the order it came from when it came from one (order id,
    receipt number, merchant, store, amount, time — never the member: a partner's customers stay its own)."""

    entry_id: int
    posting_id: int
    at: datetime
    cause: str
    cause_id: int | None
    amount_fen: int
    order_id: int | None = None
    receipt: str | None = None
    order_merchant: str | None = None
    order_store: str | None = None
    order_amount_fen: int | None = None
    order_at: datetime | None = None
    refund_id: int | None = None


ORDER_CAUSES = (PostingCause.ORDER, PostingCause.COMMISSION)  # the posting's cause_id is the order's id
REFUND_CAUSE = PostingCause.REFUND  # the posting's cause_id is the refund's id


def entries_of_line(session: Session, run: SettlementRun, line: StatementLine) -> list[LineEntry]:
    """The ledger entries a line sums, found again the way `build_lines` grouped them: the line's account and
    counterparty, its cause, and the run's window (in the period; or, late, dated in the earlier period the line
    names, committed after that period's run); a correction made on a statement is its one posting."""
    where: list[ColumnElement[bool]] = [
        Entry.account_id == line.account_id, Entry.party_type == line.party_type, Entry.party_id == line.party_id,
        Entry.alliance_id == run.alliance_id, Posting.alliance_id == run.alliance_id]
    if line.posting_id is not None:
        where.append(Posting.id == line.posting_id)
    else:
        where += [Posting.cause == line.cause, Posting.id <= run.through_posting_id]
        if line.late:
            where += [Posting.occurred_at < literal(run.starts_at, UTCDateTime()),
                      Posting.id > run.after_posting_id]
            earlier = aliased(SettlementRun)
            dated_in = and_(earlier.alliance_id == run.alliance_id, earlier.cycle == run.cycle,
                            earlier.starts_at <= Posting.occurred_at, earlier.ends_at > Posting.occurred_at)
            if line.late_of_run_id is not None:
                where.append(exists().where(dated_in, earlier.id == line.late_of_run_id))
            else:
                where.append(not_(exists().where(dated_in)))
        else:
            where += [Posting.occurred_at >= literal(run.starts_at, UTCDateTime()),
                      Posting.occurred_at < literal(run.ends_at, UTCDateTime())]
        if line.cause == ADJUSTMENT:
            where += [Posting.cause_id == line.corrects_statement_id, not_(_placed_on_a_statement())]
    rows = session.execute(select(Entry.id, Posting.id, Posting.occurred_at, Posting.cause, Posting.cause_id,
                                  Entry.amount)
                           .join(Posting, _posting_of_entry()).where(*where)
                           .order_by(Posting.occurred_at, Entry.id)).all()
    order_ids = {cause_id for _, _, _, cause, cause_id, _ in rows if cause in ORDER_CAUSES and cause_id}
    refund_ids = {cause_id for _, _, _, cause, cause_id, _ in rows if cause == REFUND_CAUSE and cause_id}
    refunds: dict[int, int] = {}
    if refund_ids:
        refunds = {rid: oid for rid, oid in session.execute(
            select(Refund.id, Refund.order_id).where(Refund.alliance_id == run.alliance_id,
                                                     Refund.id.in_(refund_ids)))}
    orders: dict[int, tuple[str, str, str | None, int, datetime]] = {}
    wanted = order_ids | set(refunds.values())
    if wanted:
        orders = {oid: (receipt, merchant, store, amount, at) for oid, receipt, merchant, store, amount, at in
                  session.execute(select(Order.id, Order.external_id, Merchant.name, Store.name, Order.amount_fen,
                                         Order.occurred_at)
                                  .join(Merchant, and_(Merchant.alliance_id == Order.alliance_id,
                                                       Merchant.id == Order.merchant_id))
                                  .outerjoin(Store, and_(Store.alliance_id == Order.alliance_id,
                                                         Store.id == Order.store_id))
                                  .where(Order.id.in_(wanted), Order.alliance_id == run.alliance_id))}
    out = []
    for entry_id, posting_id, at, cause, cause_id, amount in rows:
        refund_id = cause_id if cause == REFUND_CAUSE else None
        order_id = cause_id if cause in ORDER_CAUSES else refunds.get(refund_id) if refund_id is not None else None
        order = orders.get(order_id) if order_id is not None else None
        if order is None:
            out.append(LineEntry(entry_id, posting_id, at, cause, cause_id, int(amount), refund_id=refund_id))
            continue
        receipt, merchant, store, order_fen, order_at = order
        out.append(LineEntry(entry_id, posting_id, at, cause, cause_id, int(amount), order_id, receipt, merchant,
                             store, int(order_fen), order_at, refund_id))
    return out
