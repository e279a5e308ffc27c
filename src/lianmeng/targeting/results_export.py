"""The results as an XLSX workbook: a summary sheet (the funnel per arm) and a comparisons sheet (uplift with its
intervals and words). Built from `ResultsOut` alone, so it holds exactly what the caller may read: aggregates, no
member row of any kind."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lianmeng.kit import clock
from lianmeng.kit.exports import Column, Kind, Sheet, to_xlsx_book
from lianmeng.targeting.results_schemas import ResultsOut
from lianmeng.web import labels

ARM_COLUMNS = [
    Column("arm", "组别", "Arm"),
    Column("members", "人数", "Members", Kind.COUNT),
    Column("sent", "已发送", "Sent", Kind.COUNT),
    Column("delivered", "已送达", "Delivered", Kind.COUNT),
    Column("opened", "已打开", "Opened", Kind.COUNT),
    Column("claimed", "已领券", "Claimed", Kind.COUNT),
    Column("arrived", "已到店", "Arrived", Kind.COUNT),
    Column("converted", "已成交", "Converted", Kind.COUNT),
    Column("revenue_fen", "成交金额", "Revenue", Kind.FEN),
    Column("rate_bp", "转化率", "Conversion rate", Kind.BP),
    Column("rate_low_bp", "95% 区间下限", "95% CI low", Kind.BP),
    Column("rate_high_bp", "95% 区间上限", "95% CI high", Kind.BP),
]
COMPARISON_COLUMNS = [
    Column("baseline", "对照组", "Compared with"),
    Column("treated_bp", "推荐组转化率", "Treated rate", Kind.BP),
    Column("baseline_bp", "对照组转化率", "Baseline rate", Kind.BP),
    Column("difference_bp", "绝对提升", "Absolute uplift", Kind.BP),
    Column("difference_low_bp", "95% 区间下限", "95% CI low", Kind.BP),
    Column("difference_high_bp", "95% 区间上限", "95% CI high", Kind.BP),
    Column("ratio", "相对提升(倍)", "Relative uplift (×)", Kind.DECIMAL),
    Column("ratio_low", "95% 区间下限", "95% CI low", Kind.DECIMAL),
    Column("ratio_high", "95% 区间上限", "95% CI high", Kind.DECIMAL),
    Column("revenue_fen", "增量收入", "Incremental revenue", Kind.FEN, total=False),
    Column("revenue_low_fen", "95% 区间下限", "95% CI low", Kind.FEN, total=False),
    Column("revenue_high_fen", "95% 区间上限", "95% CI high", Kind.FEN, total=False),
    Column("words", "结论", "Verdict"),
]


def _bp(fraction: float | None) -> int | None:
    """A rate as whole basis points (0.35 → 3500), half up; None stays empty."""
    if fraction is None:
        return None
    return int(Decimal(repr(fraction)).scaleb(4).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _decimal(value: float | None) -> str | None:
    return None if value is None else f"{value:.4f}"


def arm_rows(results: ResultsOut, lang: str) -> list[dict[str, Any]]:
    return [{**arm.model_dump(), "arm": labels.label("offer_arm", arm.arm, lang), "rate_bp": _bp(arm.rate),
             "rate_low_bp": _bp(arm.rate_low), "rate_high_bp": _bp(arm.rate_high)} for arm in results.arms]


def comparison_rows(results: ResultsOut, lang: str) -> list[dict[str, Any]]:
    return [{"baseline": labels.label("offer_arm", c.baseline, lang), "treated_bp": _bp(c.treated_rate),
             "baseline_bp": _bp(c.baseline_rate), "difference_bp": _bp(c.difference),
             "difference_low_bp": _bp(c.difference_low), "difference_high_bp": _bp(c.difference_high),
             "ratio": _decimal(c.ratio), "ratio_low": _decimal(c.ratio_low),
             "ratio_high": _decimal(c.ratio_high), "revenue_fen": c.incremental_revenue_fen,
             "revenue_low_fen": c.incremental_revenue_low_fen, "revenue_high_fen": c.incremental_revenue_high_fen,
             "words": c.words_en if lang == "en" else c.words_zh} for c in results.comparisons]


def workbook(results: ResultsOut, lang: str) -> bytes:
    """Sheet titles are fixed (an offer's name may hold characters a sheet title may not); the names go in the
    period line."""
    as_of = clock.format_local(results.computed_at) or "—"
    period = (f"{' + '.join(results.names)} · {clock.format_local(results.window_start)} – "
              f"{clock.format_local(results.window_end)} (数据截至 As of {as_of})")
    summary = Sheet("各组漏斗 Arms", period, ARM_COLUMNS, arm_rows(results, lang))
    comparisons = Sheet("提升 Uplift", period, COMPARISON_COLUMNS, comparison_rows(results, lang))
    return to_xlsx_book([summary, comparisons])
