"""The error codes the partners capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    CANDIDATE_SELF = "candidate_self", "不能把自己列为候选伙伴", "A merchant cannot be its own candidate"
