"""Coupon rules as pure functions: what a coupon is worth on a bill, when and where it may be used, and who is
credited with a referral (attribution). No I/O; all datetimes timezone-aware; money in integer fen.

Redemption checks run in a fixed order, so a coupon that fails several ways always gives the same reason:
other_members_coupon → merchant_suspended → not_started → expired → used_up → not_accepted_here →
below_minimum_spend. (`stock_exhausted` is the issue-time refusal: the template has no coupons left.)

Attribution (who sent the member to a merchant), per alliance:
  * first_touch: the earliest coupon handed out by another merchant for this merchant (or alliance-wide) within
    the window (default 30 days) before the order;
  * last_touch: the latest such coupon within the window;
  * registration: the merchant (and guide) that enrolled the member, for good.
Whatever the rule, a member's own first merchant (origin) is never credited with sending the member to itself,
and never pays itself commission; a touch by the receiving merchant itself is not a referral.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from lianmeng.commissions.domain import round_half_up_div
from lianmeng.coupons.errors import Problem
from lianmeng.kit.clock import require_aware, shanghai
from lianmeng.kit.money import format_yuan
from lianmeng.kit.vocab import LabelledEnum

BP_PER_WHOLE = 10_000


class CouponKind(LabelledEnum):
    AMOUNT_OFF = "amount_off", "立减券", "Amount off"  # 满减/立减: fixed amount off the bill
    PERCENT_OFF = "percent_off", "折扣券", "Percent off"  # 折扣: percentage off, optionally capped
    FREE_ITEM = "free_item", "体验/赠品券", "Free item"  # 免费体验/赠品: an item or experience worth item_value_fen
    CASH_VOUCHER = "cash_voucher", "代金券", "Cash voucher"  # 代金券: pays like cash, up to its amount


class Acceptance(LabelledEnum):
    OWNER = "owner", "仅本店", "Only here"  # only at the merchant whose coupon it is
    SELECTED = "selected", "指定商户/门店", "Selected merchants"  # at chosen merchants and/or stores
    ALLIANCE = "alliance", "联盟通用", "Alliance-wide"  # at every merchant of the alliance (活动通用券)


class AttributionRule(StrEnum):
    FIRST_TOUCH = "first_touch"
    LAST_TOUCH = "last_touch"
    REGISTRATION = "registration"


REFUSALS = ("other_members_coupon", "merchant_suspended", "not_started", "expired", "used_up", "not_accepted_here",
            "below_minimum_spend", "stock_exhausted", "template_paused")


class CouponRefused(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Value:
    """What a coupon gives."""

    kind: CouponKind
    amount_fen: int | None = None
    percent_bp: int | None = None
    cap_fen: int | None = None
    item_value_fen: int | None = None


def discount_fen(value: Value, bill_fen: int) -> int:
    """The discount on a bill of `bill_fen`: never more than the bill, except a free item, which is worth its value
    whatever was bought besides (a free trial has no bill)."""
    if bill_fen < 0:
        raise ValueError("bill must not be negative")
    if value.kind is CouponKind.FREE_ITEM:
        return value.item_value_fen or 0
    if value.kind is CouponKind.PERCENT_OFF:
        off = round_half_up_div(bill_fen * (value.percent_bp or 0), BP_PER_WHOLE)
        return min(off, value.cap_fen) if value.cap_fen is not None else off
    return min(value.amount_fen or 0, bill_fen)


def use_cost_fen(kind: CouponKind, discount_fen: int, cost_to_merchant_fen: int | None) -> int | None:
    """What one use of a coupon costs the merchant that gives it, fixed at the till (Redemption.cost_fen):

    * amount_off, percent_off, cash_voucher: the discount itself, money the merchant does not collect;
    * free_item: the template's `cost_to_merchant_fen`, what giving the item really costs (a ¥300 vehicle check may
      cost ¥60 of labour and parts; a week's gym trial almost nothing). Not set → None: the cost is not known, so
      the reports count the item's value (the discount) instead — never less than it may have cost — and say how
      many uses they counted that way, until the merchant sets the cost on the template.
    """
    if kind is CouponKind.FREE_ITEM:
        return cost_to_merchant_fen
    return discount_fen


@dataclass(frozen=True)
class Where:
    """Where a coupon is accepted."""

    acceptance: Acceptance
    owner_merchant_id: int | None
    merchant_ids: frozenset[int] = frozenset()
    store_ids: frozenset[int] = frozenset()

    def accepts(self, merchant_id: int, store_id: int | None) -> bool:
        if self.acceptance is Acceptance.ALLIANCE:
            return True
        if self.acceptance is Acceptance.OWNER:
            return merchant_id == self.owner_merchant_id
        return merchant_id in self.merchant_ids or (store_id is not None and store_id in self.store_ids)


def validity(issued_at: datetime, valid_from: datetime | None, valid_until: datetime | None,
             valid_days: int | None) -> tuple[datetime, datetime | None]:
    """A coupon's own window: the template's fixed dates, or N days from issue (never beyond the fixed end)."""
    require_aware(issued_at, "issued_at")
    start = max(issued_at, valid_from) if valid_from is not None else issued_at
    end = valid_until
    if valid_days is not None:
        by_days = issued_at + timedelta(days=valid_days)
        end = by_days if end is None else min(end, by_days)
    return start, end


@dataclass(frozen=True)
class Use:
    """One attempt to use a coupon at a till."""

    member_id: int
    merchant_id: int
    store_id: int | None
    merchant_active: bool
    bill_fen: int
    at: datetime


@dataclass(frozen=True)
class Held:
    """A coupon as the member holds it."""

    member_id: int
    valid_from: datetime
    valid_until: datetime | None
    uses_left: int
    min_spend_fen: int
    where: Where


def check_use(coupon: Held, use: Use) -> None:
    """Raise CouponRefused with the first reason the coupon cannot be used; return when it can."""
    require_aware(use.at, "at")
    if use.member_id != coupon.member_id:
        raise CouponRefused(Problem.OTHER_MEMBERS_COUPON)
    if not use.merchant_active:
        raise CouponRefused("merchant_suspended")
    if use.at < coupon.valid_from:
        raise CouponRefused(Problem.NOT_STARTED)
    if coupon.valid_until is not None and use.at >= coupon.valid_until:
        raise CouponRefused(Problem.EXPIRED)
    if coupon.uses_left <= 0:
        raise CouponRefused(Problem.USED_UP)
    if not coupon.where.accepts(use.merchant_id, use.store_id):
        raise CouponRefused(Problem.NOT_ACCEPTED_HERE)
    if use.bill_fen < coupon.min_spend_fen:
        raise CouponRefused(Problem.BELOW_MINIMUM_SPEND)


def check_issue(total_stock: int | None, issued_count: int, member_holds: int, per_member_limit: int,
                active: bool) -> None:
    """Whether one more coupon of a template may be handed to this member."""
    if not active:
        raise CouponRefused(Problem.TEMPLATE_PAUSED)
    if total_stock is not None and issued_count >= total_stock:
        raise CouponRefused(Problem.STOCK_EXHAUSTED)
    if member_holds >= per_member_limit:
        raise CouponRefused(Problem.MEMBER_LIMIT_REACHED)


@dataclass(frozen=True)
class Touch:
    """A coupon handed to the member by a referrer: the evidence of a referral."""

    referrer_merchant_id: int
    referrer_staff_id: int | None
    target_merchant_id: int | None  # None: alliance-wide, counts for every merchant
    at: datetime


@dataclass(frozen=True)
class Attribution:
    referrer_merchant_id: int
    referrer_staff_id: int | None
    referred_at: datetime


def attribute(rule: AttributionRule, window_days: int, touches: Sequence[Touch], receiving_merchant_id: int,
              origin_merchant_id: int | None, origin_staff_id: int | None, registered_at: datetime,
              at: datetime) -> Attribution | None:
    """Who sent this member to `receiving_merchant_id`, as of `at` (module docstring)."""
    require_aware(at, "at")
    if origin_merchant_id == receiving_merchant_id:
        return None  # the member's own first merchant: its own customer
    if rule is AttributionRule.REGISTRATION:
        if origin_merchant_id is None:
            return None
        return Attribution(origin_merchant_id, origin_staff_id, registered_at)
    since = at - timedelta(days=window_days)
    candidates = sorted(
        (t for t in touches
         if t.referrer_merchant_id != receiving_merchant_id
         and t.target_merchant_id in (None, receiving_merchant_id) and since <= t.at <= at),
        key=lambda t: t.at,
    )
    if not candidates:
        return None
    chosen = candidates[0] if rule is AttributionRule.FIRST_TOUCH else candidates[-1]
    return Attribution(chosen.referrer_merchant_id, chosen.referrer_staff_id, chosen.at)


# --- in words, for the member (claim pages, the member's card, the public claim API) -----------------------------


class Offered(Protocol):
    """What a coupon template says about its value and window (a CouponTemplate fits)."""

    kind: str
    amount_fen: int | None
    percent_bp: int | None
    cap_fen: int | None
    item_name: str | None
    item_value_fen: int | None
    min_spend_fen: int
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None


def value_words(offered: Offered, lang: str) -> str:
    """What it is worth: '立减 ¥50.00', '8 折(最多减 ¥100.00)', '免费体检(价值 ¥1,950.00)', '代金券 ¥200.00'."""
    en = lang == "en"
    kind = CouponKind(offered.kind)
    if kind is CouponKind.PERCENT_OFF:
        bp = offered.percent_bp or 0
        text = f"{bp / 100:g}% off" if en else f"{(BP_PER_WHOLE - bp) / 1000:g} 折"
        if offered.cap_fen:
            cap = format_yuan(offered.cap_fen)
            text += f" (up to {cap})" if en else f"(最多减 {cap})"
        return text
    if kind is CouponKind.FREE_ITEM:
        value = format_yuan(offered.item_value_fen or 0)
        return f"Free {offered.item_name} (worth {value})" if en else f"免费{offered.item_name}(价值 {value})"
    amount = format_yuan(offered.amount_fen or 0)
    if kind is CouponKind.CASH_VOUCHER:
        return f"{amount} voucher" if en else f"代金券 {amount}"
    return f"{amount} off" if en else f"立减 {amount}"


def min_spend_words(min_spend_fen: int, lang: str) -> str:
    """'满 ¥300.00 可用' / 'spend ¥300.00 or more'; '无门槛' / 'no minimum spend'."""
    en = lang == "en"
    if not min_spend_fen:
        return "no minimum spend" if en else "无门槛"
    spend = format_yuan(min_spend_fen)
    return f"spend {spend} or more" if en else f"满 {spend} 可用"


def offer_text(offered: Offered, lang: str) -> str:
    """The offer in a line: value, then the minimum spend when there is one."""
    text = value_words(offered, lang)
    if offered.min_spend_fen:
        text += " · " + min_spend_words(offered.min_spend_fen, lang)
    return text


def _when(at: datetime) -> str:
    return shanghai(at).strftime("%Y-%m-%d %H:%M")


def window_words(valid_from: datetime | None, valid_until: datetime | None, lang: str) -> str:
    """A fixed window in Beijing time: '2026-12-01 00:00 至 2026-12-31 23:59(北京时间)'."""
    en = lang == "en"
    zone = " (Beijing time)" if en else "(北京时间)"
    if valid_from is not None and valid_until is not None:
        return (f"{_when(valid_from)} to {_when(valid_until)}" if en
                else f"{_when(valid_from)} 至 {_when(valid_until)}") + zone
    if valid_until is not None:
        return (f"until {_when(valid_until)}" if en else f"{_when(valid_until)} 前有效") + zone
    if valid_from is not None:
        return (f"from {_when(valid_from)}, no end date" if en else f"{_when(valid_from)} 起长期有效") + zone
    return "no end date" if en else "长期有效"


def template_validity_words(offered: Offered, lang: str) -> str:
    """Before claiming: N days after claiming (never past the fixed end), or the fixed window."""
    en = lang == "en"
    if offered.valid_days is None:
        return window_words(offered.valid_from, offered.valid_until, lang)
    text = (f"valid for {offered.valid_days} days after you claim it" if en
            else f"领取后 {offered.valid_days} 天内有效")
    if offered.valid_until is not None:
        text += (f", and until {_when(offered.valid_until)} (Beijing time) at the latest" if en
                 else f",最晚至 {_when(offered.valid_until)}(北京时间)")
    return text
