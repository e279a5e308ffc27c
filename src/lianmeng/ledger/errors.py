"""The error codes the ledger capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    INSUFFICIENT_BALANCE = "insufficient_balance", "余额不足({kind})", "Insufficient balance ({kind})"
