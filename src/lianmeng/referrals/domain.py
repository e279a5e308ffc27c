"""Referral reports as pure rules: what each figure counts, report periods and ISO weeks in Asia/Shanghai, rates,
averages and rankings.

No I/O here. Money is integer fen, rates are integer basis points (1% = 100 bp), and every division is
round-half-up in integer arithmetic (`round_half_up_div`): no float ever touches money or a rate.

What the figures count (`FIGURES`, each defined here once; the API schema, the exports and the pages read them)
  The funnel follows one cohort: the referral coupons handed out in the period (`Coupon.issued_at`, Shanghai
  dates). A coupon's pair is its referrer merchant (`Coupon.referrer_merchant_id`; none: the operator) and its
  receiving merchant: where it was first used (use 1) or, while unused, the merchant whose coupon it is (none: an
  alliance-wide voucher nobody has used yet). Every later stage counts coupons of that same cohort, as of now, so
  for any pair and period issued ≥ claimed ≥ arrived ≥ converted (using a coupon claims it; a conversion is an
  arrival with an order). A coupon handed out before the period and used in it belongs to the earlier period.
  Attributable revenue (联盟带来的营业额) is not a cohort figure: it is what partners' customers spent in the period,
  dated by the order (`is_alliance_revenue`).

Periods
  * A report period is a pair of Shanghai calendar dates, both included (`Period`). It is queried as the
    half-open UTC interval [date_from 00:00 Asia/Shanghai, date_to + 1 day 00:00 Asia/Shanghai) (`utc_bounds`).
  * Defaults: `date_to` = today in Shanghai, `date_from` = `date_to` − 27 days (the last 28 days, both ends
    included). `date_from` after `date_to` is refused (`report_range_inverted`), and so is a period of more
    than `MAX_RANGE_DAYS` days (`report_range_too_long`).
  * Weeks are ISO weeks (Monday–Sunday) of the Shanghai date, labelled "2026-W45" (ISO year, which differs from
    the calendar year around New Year: 2024-12-30 is in "2025-W01"). A period cut into weeks yields every week
    it touches; the first and last may be partial (their `start` is still the Monday).
  * Leaderboards use the Shanghai week (Mon–Sun) or calendar month containing a date.

Figures
  * conversion rate = converted × 10 000 / arrived, in basis points, rounded half up; None without arrivals.
  * averages of fen (first order amount, cost per conversion) are rounded half up to the fen; None for no items.
  * average rating: one decimal, rounded half up, as a string ("4.5"); None without ratings.
  * a rating of 1 or 2 (of 5) is a complaint.
  * rankings: higher metric first; equal metrics are broken by the smaller id, and every row gets its own rank
    (1, 2, 3, …) so the order is total and stable from one request to the next.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from lianmeng.kit.clock import SHANGHAI
from lianmeng.referrals.errors import Problem

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 28
COMPLAINT_MAX_RATING = 2


class Grouping(StrEnum):
    PERIOD = "period"
    WEEK = "week"


class LeaderboardBy(StrEnum):
    STAFF = "staff"
    MERCHANT = "merchant"


class LeaderboardPeriod(StrEnum):
    WEEK = "week"
    MONTH = "month"


class Metric(StrEnum):
    REFERRALS = "referrals"
    CONVERSIONS = "conversions"
    EARNINGS = "earnings"


class PeriodRefused(ValueError):
    """A report period the rules do not accept; `code` is an i18n message code, `params` its placeholders."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Period:
    """Shanghai calendar dates, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Week:
    label: str  # "2026-W45"
    start: date  # its Monday


@dataclass(frozen=True)
class Figure:
    """One report figure, defined once: its labels, the population it counts, the date that places it in a period,
    and who counts (or what is summed)."""

    key: str
    zh: str
    en: str
    population: str
    dated_by: str
    counts: str

    @property
    def description(self) -> str:
        return f"{self.zh}: {self.counts} Population: {self.population} Dated by: {self.dated_by}"


COHORT = "the referral coupons handed out in the period, per referrer → receiver pair"
COHORT_DATE = "the coupon's issue time (Coupon.issued_at), whatever happened to it since"
USES = "the cohort's uses at the receiving merchant"

FIGURES: dict[str, Figure] = {f.key: f for f in (
    Figure("issued", "引流(发券)", "Referrals (coupons issued)", COHORT, COHORT_DATE,
           "every coupon of the cohort."),
    Figure("claimed", "领取", "Claimed", COHORT, COHORT_DATE,
           "of those, claimed by the member by now (using a coupon claims it)."),
    Figure("arrived", "到店", "Arrived", COHORT, COHORT_DATE,
           "of those, used at the receiving merchant by now (one per coupon, however often it is used)."),
    Figure("converted", "成交", "Converted", COHORT, COHORT_DATE,
           "of those arrivals, with an order attached to a use at the receiving merchant."),
    Figure("first_order_fen", "首单金额", "First orders", USES, COHORT_DATE,
           "the orders attached to those uses, net of refunds."),
    Figure("discount_fen", "券面价值", "Face value of coupons", USES, COHORT_DATE,
           "the discount or item value the members received."),
    Figure("benefit_cost_fen", "优惠成本", "Cost of coupons", USES, COHORT_DATE,
           "what the uses cost the merchant: the discount; for a free item its cost set on the template, or its "
           "value while not set (coupons.domain.use_cost_fen)."),
    Figure("costed_at_value", "按面值计成本的免费项目", "Free items costed at their value", USES, COHORT_DATE,
           "uses of free items whose template has no cost set, so benefit_cost counts their value."),
    Figure("commission_fen", "佣金", "Commissions", USES, COHORT_DATE,
           "rebates to merchants on the orders attached to those uses, net of reversals."),
    Figure("staff_incentive_fen", "员工激励", "Staff incentives", USES, COHORT_DATE,
           "rebates to staff on the orders attached to those uses, net of reversals."),
    Figure("acquisition_cost_fen", "获客成本", "Acquisition cost", USES, COHORT_DATE,
           "benefit cost + commissions + staff incentives (operator fees are not the merchants' cost)."),
    Figure("revenue_fen", "联盟带来的营业额", "Revenue the alliance brought",
           "orders at the receiving merchant that the alliance's attribution rule credited, when they were "
           "recorded, to another merchant: the referrer the counter shows (Order.referrer_merchant_id); first "
           "and later orders alike",
           "the time of the sale (Order.occurred_at)", "their amounts net of refunds."),
    Figure("ratings", "评价", "Ratings", USES, COHORT_DATE, "members' ratings of those uses."),
    Figure("complaints", "投诉", "Complaints", USES, COHORT_DATE, "ratings of 1 or 2."),
)}


def is_alliance_revenue(merchant_id: int, referrer_merchant_id: int | None) -> bool:
    """Whether an order counts in the revenue the alliance brought (`FIGURES["revenue_fen"]`): the attribution rule
    credited it to a partner, i.e. a referrer other than the merchant itself. The counter labels an order with
    its referrer by this same rule; repository.alliance_revenue is its SQL form."""
    return referrer_merchant_id is not None and referrer_merchant_id != merchant_id


EARLIEST = date(2000, 1, 1)  # reports cover the years a business can have data for; beyond, a clear 422
LATEST = date(2099, 12, 31)


def report_period(date_from: date | None, date_to: date | None, today: date) -> Period:
    """The period a report covers, from the query's dates (either may be missing)."""
    for given in (date_from, date_to):
        if given is not None and not EARLIEST <= given <= LATEST:
            raise PeriodRefused(Problem.REPORT_DATE_OUT_OF_RANGE,
                                earliest=EARLIEST.isoformat(), latest=LATEST.isoformat())
    end = date_to or today
    start = date_from or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if start > end:
        raise PeriodRefused(Problem.REPORT_RANGE_INVERTED, date_from=start.isoformat(), date_to=end.isoformat())
    period = Period(start, end)
    if period.days > MAX_RANGE_DAYS:
        raise PeriodRefused(Problem.REPORT_RANGE_TOO_LONG, days=period.days, max_days=MAX_RANGE_DAYS)
    return period


def shanghai_midnight(day: date) -> datetime:
    """00:00 of a Shanghai date, as an aware datetime (stored and compared in UTC by the database layer)."""
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def utc_bounds(period: Period) -> tuple[datetime, datetime]:
    """[start, end) of the period as aware datetimes: its first Shanghai midnight and the one after its last day."""
    return shanghai_midnight(period.start), shanghai_midnight(period.end + timedelta(days=1))


def week_of(day: date) -> Week:
    year, number, _ = day.isocalendar()
    return Week(f"{year}-W{number:02d}", day - timedelta(days=day.weekday()))


def weeks_in(period: Period) -> list[Week]:
    """Every ISO week the period touches, in order."""
    weeks = []
    monday = week_of(period.start).start
    while monday <= period.end:
        weeks.append(week_of(monday))
        monday += timedelta(days=7)
    return weeks


def leaderboard_period(kind: LeaderboardPeriod, at: date) -> Period:
    """The Shanghai week (Monday–Sunday) or calendar month containing `at`."""
    if not EARLIEST <= at <= LATEST:
        raise PeriodRefused(Problem.REPORT_DATE_OUT_OF_RANGE, earliest=EARLIEST.isoformat(), latest=LATEST.isoformat())
    if kind is LeaderboardPeriod.WEEK:
        monday = at - timedelta(days=at.weekday())
        return Period(monday, monday + timedelta(days=6))
    first = at.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    return Period(first, next_first - timedelta(days=1))


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (away from zero on halves for negatives), integers only."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return sign * quotient


def conversion_rate_bp(converted: int, arrived: int) -> int | None:
    if arrived <= 0:
        return None
    return round_half_up_div(converted * 10_000, arrived)


def average_fen(total_fen: int, count: int) -> int | None:
    """Average of `count` amounts summing to `total_fen`, to the fen; None for nothing to average."""
    if count <= 0:
        return None
    return round_half_up_div(total_fen, count)


def acquisition_cost_fen(benefit_cost_fen: int, merchant_commission_fen: int, staff_incentive_fen: int) -> int:
    """What the arrivals of a referral pair cost (`FIGURES["acquisition_cost_fen"]`): what the coupons cost the
    merchant plus net commissions and staff incentives."""
    return benefit_cost_fen + merchant_commission_fen + staff_incentive_fen


def average_rating(rating_sum: int, count: int) -> str | None:
    """Mean of 1..5 ratings with one decimal, rounded half up: (9, 2) → "4.5", (13, 3) → "4.3"."""
    if count <= 0:
        return None
    tenths = round_half_up_div(rating_sum * 10, count)
    return f"{tenths // 10}.{tenths % 10}"


def is_complaint(rating: int) -> bool:
    return rating <= COMPLAINT_MAX_RATING


T = TypeVar("T")


def ranked(rows: Sequence[T], metric: Callable[[T], int], ident: Callable[[T], int],
           limit: int | None = None) -> list[tuple[int, T]]:
    """(rank, row) by metric descending, ties by id ascending; ranks 1, 2, 3, … (one per row)."""
    ordered = sorted(rows, key=lambda row: (-metric(row), ident(row)))
    if limit is not None:
        ordered = ordered[:limit]
    return [(index, row) for index, row in enumerate(ordered, 1)]
