"""The error codes the points capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    INSUFFICIENT_POINTS = (
        "insufficient_points",
        "积分不足:可用 {available},需要 {requested}",
        "Not enough points: {available} available, {requested} needed",
    )
