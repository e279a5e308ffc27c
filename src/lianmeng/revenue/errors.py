"""The error codes the revenue capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    JOINING_FEE_OUT_OF_RANGE = (
        "joining_fee_out_of_range",
        "入盟费应在 0 到 {maximum} 分(¥{yuan})之间",
        "The joining fee must be between 0 and {maximum} fen (¥{yuan})",
    )
    ANNUAL_FEE_OUT_OF_RANGE = (
        "annual_fee_out_of_range",
        "年费应在 0 到 {maximum} 分(¥{yuan})之间",
        "The annual fee must be between 0 and {maximum} fen (¥{yuan})",
    )
    COMMISSION_RATE_OUT_OF_RANGE = (
        "commission_rate_out_of_range",
        "平台佣金比例应在 0 到 {maximum} 个基点之间(即不超过 30%)",
        "The platform commission rate must be between 0 and {maximum} basis points (at most 30%)",
    )
    FREE_MONTHS_OUT_OF_RANGE = (
        "free_months_out_of_range",
        "免费期应在 0 到 {maximum} 个月之间",
        "The free period must be between 0 and {maximum} months",
    )
    MIN_MERCHANTS_OUT_OF_RANGE = (
        "min_merchants_out_of_range",
        "起收商户数应在 0 到 {maximum} 之间",
        "The merchant count that starts fees must be between 0 and {maximum}",
    )
    WAIVER_DATES = (
        "waiver_dates",
        "减免的结束日期不能早于开始日期",
        "A waiver cannot end before it starts",
    )
    WAIVER_MERCHANT = (
        "waiver_merchant",
        "该商户不属于本联盟",
        "That merchant is not in this alliance",
    )
    BAD_MONTH = "bad_month", "月份格式应为 YYYY-MM,例如 2026-11", "A month is YYYY-MM, e.g. 2026-11"
    MONTH_OPEN = "month_open", "{month} 尚未结束,不能收费", "{month} has not ended yet; nothing can be charged for it"
