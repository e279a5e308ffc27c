"""The error codes the settlement capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    BAD_PERIOD = (
        "bad_period",
        "结算期间「{period}」无效:应为月份如 2026-10、ISO 周如 2026-W44,或季度如 2026-Q4",
        "Invalid settlement period '{period}': use a month like 2026-10, an ISO week like 2026-W44 or a quarter like "
        "2026-Q4",
    )
    PERIOD_OPEN = (
        "period_open",
        "结算期间 {period} 尚未结束(结束 10 分钟后才可结算)",
        "The period {period} has not ended yet (it can be settled 10 minutes after it ends)",
    )
    PERIOD_OUT_OF_ORDER = (
        "period_out_of_order",
        "已结算更晚的期间 {latest},不能再结算 {period}(其间的迟到款项已计入后续期间)",
        "A later period ({latest}) is already settled; {period} cannot be settled now (late items went to the later "
        "period)",
    )
    STATEMENT_TRANSITION = (
        "statement_transition",
        "对账单当前状态为「{status}」,不能执行「{action}」",
        "The statement is '{status}'; '{action}' is not possible now",
    )
    STATEMENT_LINE_UNKNOWN = (
        "statement_line_unknown",
        "对账单中没有第 {line_id} 行",
        "The statement has no line {line_id}",
    )
    PERIOD_SETTLED = (
        "period_settled",
        "结算期间 {period} 已结算,未做任何更改",
        "The period {period} is already settled; nothing was changed",
    )
    STATEMENT_SIDE = (
        "statement_side",
        "只有联盟总部可以执行「{action}」",
        "Only the operator may '{action}' a statement",
    )
