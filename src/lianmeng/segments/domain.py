"""De-identified segment reports (脱敏人群报告), pure: from per-member facts of the consenting members of one segment
to the aggregates a partner may read. No member, name, phone, plate, VIN or id ever leaves this module: the report
holds counts per band and rates, nothing else.

The k rule (default 10, never lower):
1. A segment of fewer than k consenting members shows nothing but "too few" (no dimension, no rate, no total).
2. In every dimension (a partition of the segment: each member in exactly one cell) every cell under k, zero
   included, is suppressed.
3. Complementary suppression: the total is shown, so one suppressed cell alone could be recovered as the total
   minus the shown cells. While a dimension has exactly one suppressed cell, or its suppressed cells add up to
   between 1 and k − 1 members, the smallest shown cell is suppressed too (ties: the first in the dimension's
   order). What subtraction can recover is then only a sum of at least k members, or a sum of zero.
4. Free-text cells (the items a merchant sells, its tier names) are named only when at least k members are in
   them; the others are pooled as 其他 / Other before rule 2, so a rare item's name never reaches a partner.
5. A rate whose denominator is under k is suppressed (null).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lianmeng.kit.vocab import LabelledEnum, pairs

K_DEFAULT = 10  # the alliance's floor: a share may raise k, never lower it
TOP_NAMED = 5  # free-text dimensions name at most this many cells
WINDOW_DAYS = 365
OTHER = ("other", "其他", "Other")
NONE_RECORDED = ("none", "无记录", "None recorded")


class SegmentDimension(LabelledEnum):
    AGE_BAND = "age_band", "年龄段", "Age band"
    GENDER = "gender", "性别", "Gender"
    SPEND_LEVEL = "spend_level", "消费水平(近 12 个月)", "Spend level (12 months)"
    FREQUENCY = "frequency", "消费频次(近 12 个月)", "Visits (12 months)"
    AVERAGE_TICKET = "average_ticket", "客单价", "Average ticket"
    SERVICE_TYPE = "service_type", "主要消费项目", "Main service bought"
    LAST_VISIT = "last_visit", "最近一次到店", "Last visit"
    MEMBER_STATUS = "member_status", "会员等级", "Member status"


DIMENSION_LABELS: dict[SegmentDimension, tuple[str, str]] = pairs(SegmentDimension)


class ShareStatus(LabelledEnum):
    SHARED = "shared", "已共享", "Shared"
    WITHDRAWN = "withdrawn", "已撤回", "Withdrawn"


SHARE_STATUS_LABELS: dict[ShareStatus, tuple[str, str]] = pairs(ShareStatus)


@dataclass(frozen=True)
class MemberFacts:
    """What the report reads of one consenting member, all at the sharing merchant over the window."""

    birth_year: int | None
    gender: str
    spend_fen: int  # net of refunds
    orders: int
    last_order_at: datetime | None
    top_item: str | None  # the item the member bought most of (by quantity)
    tier: str | None  # membership tier at the merchant (None: brought in, not enrolled)
    coupons_handed: bool  # the merchant handed the member at least one coupon
    coupon_claimed: bool
    coupon_redeemed: bool


# --- the k rule --------------------------------------------------------------------------------------------------


def suppress(counts: Sequence[int], k: int) -> list[int | None]:
    """One dimension's counts with every cell under k suppressed (None), and complementary cells (rule 3)."""
    hidden = {i for i, n in enumerate(counts) if n < k}
    while hidden and (len(hidden) == 1 or 0 < sum(counts[i] for i in hidden) < k):
        shown = [i for i in range(len(counts)) if i not in hidden]
        if not shown:
            break
        hidden.add(min(shown, key=lambda i: (counts[i], i)))
    return [None if i in hidden else n for i, n in enumerate(counts)]


def rate_bp(numerator: int, denominator: int, k: int) -> int | None:
    """numerator / denominator in basis points, rounded half up; None when the denominator is under k."""
    if denominator < k:
        return None
    return (numerator * 20_000 + denominator) // (2 * denominator)


# --- bands ---------------------------------------------------------------------------------------------------

Band = tuple[str, str, str]  # code, zh, en


def _band(value: int | None, edges: Sequence[tuple[int, Band]], missing: Band) -> Band:
    """The band of the last edge not above value (edges ascending); `missing` when value is None."""
    if value is None:
        return missing
    chosen = edges[0][1]
    for edge, band in edges:
        if value >= edge:
            chosen = band
    return chosen


AGE_BANDS: list[tuple[int, Band]] = [
    (0, ("lt25", "25 岁以下", "Under 25")), (25, ("25-34", "25–34 岁", "25–34")),
    (35, ("35-44", "35–44 岁", "35–44")), (45, ("45-54", "45–54 岁", "45–54")),
    (55, ("55+", "55 岁及以上", "55 and over"))]
AGE_UNKNOWN: Band = ("unknown", "未填写", "Not given")
GENDERS: dict[str, Band] = {"male": ("m", "男", "Men"), "female": ("f", "女", "Women")}
GENDER_OTHER: Band = ("undisclosed", "未透露", "Not disclosed")
SPEND_LEVELS: list[tuple[int, Band]] = [
    (0, ("s0", "无消费", "No spend")), (1, ("s1", "¥1,000 以下", "Under ¥1,000")),
    (100_000, ("s2", "¥1,000–4,999", "¥1,000–4,999")), (500_000, ("s3", "¥5,000–9,999", "¥5,000–9,999")),
    (1_000_000, ("s4", "¥10,000 及以上", "¥10,000 and over"))]
FREQUENCIES: list[tuple[int, Band]] = [
    (0, ("f0", "0 次", "None")), (1, ("f1", "1 次", "Once")), (2, ("f2", "2–3 次", "2–3 times")),
    (4, ("f4", "4–6 次", "4–6 times")), (7, ("f7", "7 次及以上", "7 times or more"))]
TICKETS: list[tuple[int, Band]] = [
    (0, ("t1", "¥200 以下", "Under ¥200")), (20_000, ("t2", "¥200–499", "¥200–499")),
    (50_000, ("t3", "¥500–999", "¥500–999")), (100_000, ("t4", "¥1,000 及以上", "¥1,000 and over"))]
TICKET_NONE: Band = ("t0", "无消费", "No spend")
LAST_VISITS: list[tuple[int, Band]] = [
    (0, ("d30", "30 天内", "Within 30 days")), (31, ("d90", "31–90 天", "31–90 days")),
    (91, ("d180", "91–180 天", "91–180 days")), (181, ("d365", "181–365 天", "181–365 days")),
    (366, ("older", "一年以前", "Over a year ago"))]
LAST_VISIT_NONE: Band = ("never", "从未到店消费", "No visit recorded")


def _fixed(bands: Sequence[tuple[int, Band]], *extra: Band) -> list[Band]:
    return [band for _, band in bands] + list(extra)


def _named(values: Sequence[str | None], k: int, words: Callable[[str], tuple[str, str]]) -> tuple[list[Band],
                                                                                                 list[Band]]:
    """Free-text cells (rule 4): the TOP_NAMED most common values with at least k members keep their name, the
    rest are Other; members with no value are None recorded. Returns (each member's band, the cells in order)."""
    counts = Counter(v for v in values if v)
    named = [v for v, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n >= k][:TOP_NAMED]
    bands = {v: (f"n{i + 1}", *words(v)) for i, v in enumerate(named)}
    per_member = [bands.get(v, OTHER) if v else NONE_RECORDED for v in values]
    return per_member, [bands[v] for v in named] + [OTHER, NONE_RECORDED]


def _dimension(dimension: SegmentDimension, cells: list[Band], per_member: Sequence[Band], k: int) -> dict[str, Any]:
    tally = Counter(band[0] for band in per_member)
    counts = [tally.get(code, 0) for code, _, _ in cells]
    shown = suppress(counts, k)
    zh, en = DIMENSION_LABELS[dimension]
    return {"dimension": dimension.value, "name_zh": zh, "name_en": en,
            "cells": [{"code": code, "zh": cell_zh, "en": cell_en, "count": n}
                      for (code, cell_zh, cell_en), n in zip(cells, shown, strict=True)]}


def build_report(members: Sequence[MemberFacts], k: int, now: datetime,
                 tier_words: Mapping[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    """The report of a segment (JSON-ready): the k rule applied to every dimension and rate."""
    if k < K_DEFAULT:
        raise ValueError(f"k is at least {K_DEFAULT}")
    base: dict[str, Any] = {"k": k, "window_days": WINDOW_DAYS}
    if len(members) < k:
        return {**base, "too_few": True, "total": None, "dimensions": [], "response": None}
    year = now.year

    def age(m: MemberFacts) -> Band:
        return _band(None if m.birth_year is None else year - m.birth_year, AGE_BANDS, AGE_UNKNOWN)

    def last_visit(m: MemberFacts) -> Band:
        days = None if m.last_order_at is None else max((now - m.last_order_at).days, 0)
        return _band(days, LAST_VISITS, LAST_VISIT_NONE)

    def ticket(m: MemberFacts) -> Band:
        return _band(m.spend_fen // m.orders if m.orders else None, TICKETS, TICKET_NONE)

    items, item_cells = _named([m.top_item for m in members], k, lambda v: (v, v))
    words = dict(tier_words or {})
    tiers, tier_cells = _named([m.tier for m in members], k, lambda v: words.get(v, (v, v)))
    dimensions = [
        _dimension(SegmentDimension.AGE_BAND, _fixed(AGE_BANDS, AGE_UNKNOWN), [age(m) for m in members], k),
        _dimension(SegmentDimension.GENDER, [*GENDERS.values(), GENDER_OTHER],
                   [GENDERS.get(m.gender, GENDER_OTHER) for m in members], k),
        _dimension(SegmentDimension.SPEND_LEVEL, _fixed(SPEND_LEVELS),
                   [_band(m.spend_fen, SPEND_LEVELS, SPEND_LEVELS[0][1]) for m in members], k),
        _dimension(SegmentDimension.FREQUENCY, _fixed(FREQUENCIES),
                   [_band(m.orders, FREQUENCIES, FREQUENCIES[0][1]) for m in members], k),
        _dimension(SegmentDimension.AVERAGE_TICKET, [TICKET_NONE, *_fixed(TICKETS)],
                   [ticket(m) for m in members], k),
        _dimension(SegmentDimension.SERVICE_TYPE, item_cells, items, k),
        _dimension(SegmentDimension.LAST_VISIT, _fixed(LAST_VISITS, LAST_VISIT_NONE),
                   [last_visit(m) for m in members], k),
        _dimension(SegmentDimension.MEMBER_STATUS, tier_cells, tiers, k),
    ]
    handed = sum(1 for m in members if m.coupons_handed)
    claimed = sum(1 for m in members if m.coupons_handed and m.coupon_claimed)
    redeemed = sum(1 for m in members if m.coupons_handed and m.coupon_redeemed)
    response = {"handed": handed if handed >= k else None, "claimed_bp": rate_bp(claimed, handed, k),
                "redeemed_bp": rate_bp(redeemed, handed, k)}
    return {**base, "too_few": False, "total": len(members), "dimensions": dimensions, "response": response}


def shown_counts(report: Mapping[str, Any]) -> list[int]:
    """Every count a report shows (the privacy tests check each is ≥ k)."""
    out = [] if report.get("total") is None else [int(report["total"])]
    for dimension in report.get("dimensions", []):
        out.extend(int(cell["count"]) for cell in dimension["cells"] if cell["count"] is not None)
    response = report.get("response") or {}
    if response.get("handed") is not None:
        out.append(int(response["handed"]))
    return out
