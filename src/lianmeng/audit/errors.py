"""The error codes the audit capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    AUDIT_DATE_RANGE = "audit_date_range", "结束日期不能早于开始日期", "The end date cannot be before the start date"
    AUDIT_EXPORT_TOO_LARGE = (
        "audit_export_too_large",
        "导出超过 {limit} 条,请缩小日期范围或筛选条件",
        "More than {limit} events to export; narrow the dates or filters",
    )
