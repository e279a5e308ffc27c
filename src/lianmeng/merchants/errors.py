"""The error codes the merchants capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    MERCHANT_SUSPENDED = "merchant_suspended", "商户已暂停合作", "The merchant is suspended"
