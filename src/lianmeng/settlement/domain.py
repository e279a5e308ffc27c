"""Pure settlement rules: the settlement cycle (one enum, also the agreements'), periods (calendar months, ISO weeks
and calendar quarters in Asia/Shanghai), the statement's life cycle, which side acts, and the net per counterparty.
No I/O.

A statement moves draft → issued → confirmed (both sides: the merchant and the operator) → paid. Either side may
dispute an issued or adjusted statement (a reason and the lines it disputes); the operator answers with correcting
entries (adjusted), after which both sides confirm again. A confirmed statement never changes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lianmeng.kit.clock import SHANGHAI
from lianmeng.kit.vocab import LabelledEnum, label_of, pairs
from lianmeng.ledger.domain import AccountKind, PostingCause
from lianmeng.settlement.errors import Problem


class SettlementCycle(LabelledEnum):
    """How often a merchant pair is settled. Agreements choose it (`agreements.settlement_cycle`); settlement runs
    periods of it. The one definition: agreements import it from here."""

    WEEKLY = "weekly", "按周结算", "Weekly"
    MONTHLY = "monthly", "按月结算", "Monthly"
    QUARTERLY = "quarterly", "按季度结算", "Quarterly"


CYCLE_LABELS: dict[SettlementCycle, tuple[str, str]] = pairs(SettlementCycle)


def cycle_label(cycle: str, language: str = "zh-CN") -> str:
    return label_of(SettlementCycle, cycle, language)


class BadPeriod(ValueError):
    pass


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True)
class Period:
    """A settlement period: `2026-10` (a calendar month), `2026-W44` (an ISO week) or `2026-Q4` (a calendar quarter:
    October to December), in Asia/Shanghai time; `starts_at`/`ends_at` are the UTC instants [start, end)."""

    label: str
    cycle: SettlementCycle
    first_day: date
    next_first_day: date

    @property
    def starts_at(self) -> datetime:
        return _midnight(self.first_day)

    @property
    def ends_at(self) -> datetime:
        return _midnight(self.next_first_day)

    def previous(self) -> Period:
        return period_containing(self.cycle, self.first_day - timedelta(days=1))

    def following(self) -> Period:
        return period_containing(self.cycle, self.next_first_day)

    def is_closed(self, now: datetime) -> bool:
        return now >= self.ends_at


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).astimezone(UTC)


def parse_period(text: str) -> Period:
    """`2026-10`, `2026-W44` or `2026-Q4`; years 2000–2099. Raises BadPeriod otherwise."""
    text = text.strip()
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        if 2000 <= year <= 2099 and 1 <= month <= 12:
            return period_containing(SettlementCycle.MONTHLY, date(year, month, 1))
    elif match := _WEEK.match(text):
        year, week = int(match[1]), int(match[2])
        if 2000 <= year <= 2099 and 1 <= week <= date(year, 12, 28).isocalendar().week:
            return period_containing(SettlementCycle.WEEKLY, date.fromisocalendar(year, week, 1))
    elif match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        if 2000 <= year <= 2099:
            return period_containing(SettlementCycle.QUARTERLY, date(year, 3 * quarter - 2, 1))
    raise BadPeriod(text)


def _month_after(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_containing(cycle: SettlementCycle, day: date) -> Period:
    if cycle is SettlementCycle.MONTHLY:
        first = day.replace(day=1)
        return Period(f"{first.year:04d}-{first.month:02d}", cycle, first, _month_after(first, 1))
    if cycle is SettlementCycle.QUARTERLY:
        quarter = (day.month - 1) // 3 + 1
        first = date(day.year, 3 * quarter - 2, 1)
        return Period(f"{first.year:04d}-Q{quarter}", cycle, first, _month_after(first, 3))
    iso = day.isocalendar()
    monday = day - timedelta(days=iso.weekday - 1)
    return Period(f"{iso.year:04d}-W{iso.week:02d}", cycle, monday, monday + timedelta(days=7))


def last_closed(cycle: SettlementCycle, now: datetime) -> Period:
    """The latest period of the cycle that has ended at `now` (what the scheduled job settles)."""
    return period_containing(cycle, now.astimezone(SHANGHAI).date()).previous()


class Status(LabelledEnum):
    DRAFT = "draft", "草稿", "Draft"
    ISSUED = "issued", "已出具", "Issued"
    DISPUTED = "disputed", "有异议", "Disputed"
    ADJUSTED = "adjusted", "已调整", "Adjusted"
    CONFIRMED = "confirmed", "已确认", "Confirmed"
    PAID = "paid", "已付款", "Paid"


STATUS_LABELS: dict[str, tuple[str, str]] = {str(s): words for s, words in pairs(Status).items()}


class Action(LabelledEnum):
    """What was done to a statement; its words name the deed in its history ("出具 Issued")."""

    ISSUE = "issue", "出具", "Issued"
    CONFIRM = "confirm", "确认", "Confirmed"
    DISPUTE = "dispute", "提出异议", "Disputed"
    ADJUST = "adjust", "调整", "Corrected"
    PAY = "pay", "付款", "Paid"


class Side(LabelledEnum):
    MERCHANT = "merchant", "商户", "Merchant"
    OPERATOR = "operator", "联盟总部", "Operator"


ACTION_LABELS: dict[Action, tuple[str, str]] = pairs(Action)

SIDE_LABELS: dict[Side, tuple[str, str]] = pairs(Side)


def pair_words(table: Mapping[Any, tuple[str, str]], code: str) -> str:
    """"出具 Issued": a code in both languages, for files read in either (exports)."""
    zh, en = table.get(code, (code, code))
    return f"{zh} {en}"


# who may take each action, and from which statuses
ALLOWED: dict[Action, tuple[frozenset[Side], frozenset[Status]]] = {
    Action.ISSUE: (frozenset({Side.OPERATOR}), frozenset({Status.DRAFT})),
    Action.CONFIRM: (frozenset(Side), frozenset({Status.ISSUED, Status.ADJUSTED})),
    Action.DISPUTE: (frozenset(Side), frozenset({Status.ISSUED, Status.ADJUSTED})),
    Action.ADJUST: (frozenset({Side.OPERATOR}), frozenset({Status.DISPUTED})),
    Action.PAY: (frozenset({Side.OPERATOR}), frozenset({Status.CONFIRMED})),
}


class Refused(ValueError):
    def __init__(self, code: str, **params: str) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Standing:
    """Where a statement stands: its status and which sides have confirmed it since it was last changed."""

    status: Status
    confirmed_by: frozenset[Side] = frozenset()


def act(standing: Standing, action: Action, side: Side) -> Standing:
    """The statement after `side` takes `action`, or Refused. Confirming twice by one side changes nothing;
    the second side's confirmation makes it confirmed."""
    sides, statuses = ALLOWED[action]
    if side not in sides:
        raise Refused(Problem.STATEMENT_SIDE, action=action.value)
    if standing.status not in statuses:
        raise Refused(Problem.STATEMENT_TRANSITION, status=standing.status.value, action=action.value)
    if action is Action.ISSUE:
        return Standing(Status.ISSUED)
    if action is Action.CONFIRM:
        confirmed = standing.confirmed_by | {side}
        if confirmed == frozenset(Side):
            return Standing(Status.CONFIRMED, confirmed)
        return Standing(standing.status, confirmed)
    if action is Action.DISPUTE:
        return Standing(Status.DISPUTED)
    if action is Action.ADJUST:
        return Standing(Status.ADJUSTED)
    return Standing(Status.PAID, standing.confirmed_by)


def line_numbers(line_ids: Iterable[int]) -> dict[int, int]:
    """Line id → its number on the statement: 1..n in id order (the order lines were appended), with no gaps
    whatever the ids (they are shared by every statement)."""
    return {line_id: number for number, line_id in enumerate(sorted(line_ids), start=1)}


def is_closed(status: Status) -> bool:
    """Confirmed and paid statements never change again; late corrections go to a later period."""
    return status in (Status.CONFIRMED, Status.PAID)


@dataclass(frozen=True)
class LineFigures:
    party_type: str
    party_id: int
    amount_fen: int


def net_by_counterparty(lines: Iterable[LineFigures]) -> dict[tuple[str, int], int]:
    """Per counterparty, what it owes the merchant (positive) or is owed by it (negative), lines that net to zero
    included (the parties did trade)."""
    net: dict[tuple[str, int], int] = defaultdict(int)
    for line in lines:
        net[(line.party_type, line.party_id)] += line.amount_fen
    return dict(sorted(net.items()))


# what a line's cause is called on a statement: a heading for the lines of one cause (the cause's own words,
# PostingCause.label, say what one posting was)
CAUSES: dict[PostingCause, tuple[str, str]] = {
    PostingCause.ORDER: ("订单积分与储值", "Points and stored value on orders"),
    PostingCause.COMMISSION: ("推荐佣金", "Referral commissions"),
    PostingCause.REFUND: ("退款冲回", "Refund reversals"),
    PostingCause.JOINT_CARD_USE: ("联合卡分账", "Joint card revenue share"),
    PostingCause.JOINT_CARD_EXPIRY: ("联合卡过期结转", "Joint card expiry"),
    PostingCause.CAMPAIGN_COST: ("联合活动费用分摊", "Campaign cost share"),
    PostingCause.SETTLEMENT_ADJUSTMENT: ("对账调整", "Settlement adjustment"),
    PostingCause.RECRUIT_BOUNTY: ("招募奖励", "Recruit bounty"),
    PostingCause.TOP_UP: ("储值充值", "Stored-value top-up"),
    PostingCause.RELEASE: ("佣金解冻", "Commission released"),
    PostingCause.EXPIRY: ("积分过期", "Points expiry"),
    PostingCause.WITHDRAWAL: ("提现", "Withdrawal"),
    PostingCause.JOINT_CARD_SALE: ("联合卡销售", "Joint card sale"),
    PostingCause.JOINT_CARD_REFUND: ("联合卡退款", "Joint card refund"),
    PostingCause.MEMBER_MERGE: ("会员合并", "Member merge"),
    PostingCause.MEMBER_MERGE_UNDO: ("撤销会员合并", "Member merge undone"),
    PostingCause.FEATURED_PLACEMENT: ("推广位费用", "Featured placement charges"),
    PostingCause.JOINING_FEE: ("入盟费", "Joining fees"),
    PostingCause.ANNUAL_FEE: ("年费", "Annual fees"),
    PostingCause.PLATFORM_COMMISSION: ("平台佣金", "Platform commission"),
    PostingCause.GROUP_BUY_JOIN: ("拼团收款", "Group buy payments"),
    PostingCause.GROUP_BUY_FORMED: ("拼团成团发卡", "Group buys formed"),
    PostingCause.GROUP_BUY_REFUND: ("拼团退出退款", "Group buy refunds"),
    PostingCause.GROUP_BUY_EXPIRY: ("拼团未成团退款", "Group buy expiry refunds"),
}

# what an account kind is called on a statement (AccountKind.label is its general name)
KINDS: dict[AccountKind, tuple[str, str]] = {
    AccountKind.COMMISSION_PAYABLE: ("应付佣金", "Commission payable"),
    AccountKind.REBATE_FROZEN: ("应收佣金(冻结期)", "Commission earned, in the return window"),
    AccountKind.REBATE_AVAILABLE: ("应收佣金", "Commission earned"),
    AccountKind.REBATE_CLAWBACK: ("佣金追回", "Commission clawback"),
    AccountKind.POINTS_ISSUED: ("发放积分(应付总部)", "Points issued (owed to the operator)"),
    AccountKind.POINTS_REDEEMED: ("兑付积分(总部应付)", "Points redeemed (owed by the operator)"),
    AccountKind.PARTNER_BALANCE: ("商户往来", "Partner balance"),
    AccountKind.CAMPAIGN_COSTS: ("活动费用", "Campaign costs"),
    AccountKind.SETTLEMENT_ADJUSTMENT: ("调整", "Adjustment"),
    AccountKind.PLATFORM_CHARGES: ("平台费用(应付总部)", "Platform charges (owed to the operator)"),
}


def cause_label(cause: str, language: str = "zh-CN") -> str:
    zh, en = CAUSES.get(PostingCause(cause), (cause, cause)) if cause in set(PostingCause) else (cause, cause)
    return en if language == "en" else zh


def kind_label(kind: str, language: str = "zh-CN") -> str:
    zh, en = KINDS.get(AccountKind(kind), (kind, kind)) if kind in set(AccountKind) else (kind, kind)
    return en if language == "en" else zh
