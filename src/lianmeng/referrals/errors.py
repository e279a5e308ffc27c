"""The error codes the referrals capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    REPORT_RANGE_INVERTED = (
        "report_range_inverted",
        "开始日期({date_from})晚于结束日期({date_to})",
        "date_from ({date_from}) is after date_to ({date_to})",
    )
    REPORT_DATE_OUT_OF_RANGE = (
        "report_date_out_of_range",
        "日期须在 {earliest} 至 {latest} 之间",
        "Dates must be between {earliest} and {latest}",
    )
    REPORT_RANGE_TOO_LONG = (
        "report_range_too_long",
        "查询区间为 {days} 天,最长 {max_days} 天",
        "The period spans {days} days; at most {max_days} days are allowed",
    )
    FEEDBACK_EXISTS = "feedback_exists", "该次到店已评价过", "This visit has already been rated"
    REPORT_PERIOD_UNKNOWN = (
        "report_period_unknown",
        "没有这种统计期间:请选本周、本月或自定义",
        "No such period: choose this week, this month or custom",
    )
    REPORT_DATES_NEED_CUSTOM = (
        "report_dates_need_custom",
        "本周、本月不使用日期;要按日期查看,请选「自定义」",
        "This week and this month take no dates; to look at dates, choose custom",
    )
    REPORT_DATE_INVALID = (
        "report_date_invalid",
        "日期格式不正确,请按 2025-11-03 的格式填写",
        "Not a date: write it as 2025-11-03",
    )
