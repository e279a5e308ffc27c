"""Pure rules of what the operator charges: the bounds of the fee settings, when the alliance's fees start (a date,
and/or once it has grown to M merchants), each merchant's free period, which fees fall due by a day (a joining fee,
an annual fee per calendar year, the first partial year pro-rated by days), the platform commission on a month's
net GMV, and which waiver covers a charge. Integer fen throughout; every division rounds half up. No I/O.

Fee years are calendar years in Asia/Shanghai. A merchant's fees start on the later of (its join day + its free
months) and the alliance's start; the annual fee for the year that day falls in is pro-rated by the days left in
that year (when the settings say so), every later year is due in full on 1 January. The joining fee is due on the
merchant's start day, and only from merchants that joined on or after the alliance's start (the ones who joined
while joining was free never pay it).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from lianmeng.kit.money import format_yuan
from lianmeng.kit.vocab import LabelledEnum, pairs
from lianmeng.revenue.errors import Problem

MAX_FEE_FEN = 10_000_000  # ¥100,000: a joining or annual fee above that is a typo
MAX_COMMISSION_BP = 3000  # 30%
MAX_FREE_MONTHS = 120
MAX_MIN_MERCHANTS = 10_000
BASIS_POINTS = 10_000


class FeeKind(LabelledEnum):
    JOINING = "joining", "入盟费", "Joining fee"
    ANNUAL = "annual", "年费", "Annual fee"
    COMMISSION = "commission", "平台佣金", "Platform commission"


class CommissionBase(LabelledEnum):
    """What the platform commission is a share of."""

    REFERRED = "referred", "推荐订单的交易额", "GMV of referred orders"
    ALL = "all", "全部订单的交易额", "GMV of all orders"


class ChargeStatus(LabelledEnum):
    CHARGED = "charged", "已收取", "Charged"
    WAIVED = "waived", "已减免", "Waived"


FEE_KIND_LABELS = pairs(FeeKind)
COMMISSION_BASE_LABELS = pairs(CommissionBase)
CHARGE_STATUS_LABELS = pairs(ChargeStatus)
JOINING_PERIOD = "join"  # a joining fee's period key: charged once per merchant


class Refused(ValueError):
    def __init__(self, code: Problem, field: str, **params: object) -> None:
        super().__init__(code.value)
        self.code = code
        self.field = field
        self.params = params


@dataclass(frozen=True)
class FeeTerms:
    """An alliance's fee settings, as the rules read them."""

    joining_fee_fen: int
    annual_fee_fen: int
    free_months: int  # the first N months after a merchant joins are free
    fees_start_on: date  # nothing falls due before this day
    min_merchants: int  # 0: no threshold; else fees start once the alliance has this many merchants
    prorate_first_year: bool
    commission_bp: int
    commission_base: CommissionBase


def check_terms(terms: FeeTerms) -> None:
    """Bounds of every setting; raises Refused naming the field."""
    for field, fen, code in (("joining_fee_fen", terms.joining_fee_fen, Problem.JOINING_FEE_OUT_OF_RANGE),
                             ("annual_fee_fen", terms.annual_fee_fen, Problem.ANNUAL_FEE_OUT_OF_RANGE)):
        if not 0 <= fen <= MAX_FEE_FEN:
            raise Refused(code, field, maximum=MAX_FEE_FEN, yuan=format_yuan(MAX_FEE_FEN).lstrip("¥"))
    if not 0 <= terms.commission_bp <= MAX_COMMISSION_BP:
        raise Refused(Problem.COMMISSION_RATE_OUT_OF_RANGE, "commission_bp", maximum=MAX_COMMISSION_BP)
    if not 0 <= terms.free_months <= MAX_FREE_MONTHS:
        raise Refused(Problem.FREE_MONTHS_OUT_OF_RANGE, "free_months", maximum=MAX_FREE_MONTHS)
    if not 0 <= terms.min_merchants <= MAX_MIN_MERCHANTS:
        raise Refused(Problem.MIN_MERCHANTS_OUT_OF_RANGE, "min_merchants", maximum=MAX_MIN_MERCHANTS)


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator to the nearest integer, halves away from zero (denominator > 0)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    return sign * ((2 * abs(numerator) + denominator) // (2 * denominator))


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the 31st of a shorter month becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def prorated(annual_fee_fen: int, start: date) -> int:
    """The annual fee for the part of `start`'s calendar year from `start` (inclusive) to 31 December."""
    year_days = days_in_year(start.year)
    days_left = (date(start.year, 12, 31) - start).days + 1
    return round_half_up(annual_fee_fen * days_left, year_days)


def commission_fen(net_gmv_fen: int, rate_bp: int) -> int:
    """A month's platform commission: net GMV × rate, rounded half up (a negative base — more refunded than sold
    — gives the operator's share back the same way)."""
    return round_half_up(net_gmv_fen * rate_bp, BASIS_POINTS)


def alliance_start(terms: FeeTerms, join_days: Iterable[date]) -> date | None:
    """The day the alliance's fees start: `fees_start_on`, or later the day its `min_merchants`-th merchant joined;
    None while it has fewer merchants than that."""
    if terms.min_merchants <= 0:
        return terms.fees_start_on
    days = sorted(join_days)
    if len(days) < terms.min_merchants:
        return None
    return max(terms.fees_start_on, days[terms.min_merchants - 1])


def merchant_start(joined_on: date, terms: FeeTerms, start: date) -> date:
    """The day a merchant's own fees start: after its free months, not before the alliance's start."""
    return max(add_months(joined_on, terms.free_months), start)


@dataclass(frozen=True)
class DueFee:
    kind: FeeKind
    period: str  # 'join', a year ('2027') or a month ('2026-11'): one charge per (merchant, kind, period)
    due_on: date
    amount_fen: int


def due_fees(joined_on: date, terms: FeeTerms, start: date | None, through: date) -> list[DueFee]:
    """The joining and annual fees of one merchant that have fallen due on or before `through`, oldest first."""
    if start is None:
        return []
    begins = merchant_start(joined_on, terms, start)
    if begins > through:
        return []
    out = []
    if terms.joining_fee_fen > 0 and joined_on >= start:
        out.append(DueFee(FeeKind.JOINING, JOINING_PERIOD, begins, terms.joining_fee_fen))
    if terms.annual_fee_fen > 0:
        for year in range(begins.year, through.year + 1):
            first = year == begins.year
            amount = (prorated(terms.annual_fee_fen, begins) if first and terms.prorate_first_year
                      else terms.annual_fee_fen)
            if amount > 0:
                out.append(DueFee(FeeKind.ANNUAL, str(year), begins if first else date(year, 1, 1), amount))
    return out


def next_due(joined_on: date, terms: FeeTerms, start: date | None, after: date) -> DueFee | None:
    """The first joining or annual fee of a merchant falling due after `after` (what the console shows as due)."""
    ahead = due_fees(joined_on, terms, start, date(after.year + 2, 12, 31))
    return next((fee for fee in ahead if fee.due_on > after), None)


@dataclass(frozen=True)
class Waiver:
    id: int
    kind: FeeKind
    starts_on: date
    ends_on: date | None  # None: forever


def check_waiver_dates(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise Refused(Problem.WAIVER_DATES, "ends_on")


def waiver_for(kind: FeeKind, due_on: date, waivers: Sequence[Waiver]) -> Waiver | None:
    """The waiver that covers a fee of `kind` falling due on `due_on` (the oldest, when several do)."""
    for waiver in sorted(waivers, key=lambda w: w.id):
        if waiver.kind is kind and waiver.starts_on <= due_on and (waiver.ends_on is None or due_on <= waiver.ends_on):
            return waiver
    return None
