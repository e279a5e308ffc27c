"""The error codes the verification capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    VERIFICATION_DECIDED = (
        "verification_decided",
        "该主体已有验真结论,请先更新资料",
        "This one is already decided; new details reopen it",
    )
    VERIFICATION_NEEDS_CODE = (
        "verification_needs_code",
        "没有统一社会信用代码,无法人工验真",
        "Without a unified social credit code it cannot be verified",
    )
    VERIFICATION_REASON_REQUIRED = "verification_reason_required", "驳回须填写原因", "A rejection needs a reason"
