"""The error codes the segments capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    SEGMENT_NO_AGREEMENT = (
        "segment_no_agreement",
        "与该商户没有生效中的合作协议,不能共享人群报告",
        "There is no active agreement with this merchant, so no segment report can be shared with it",
    )
    SEGMENT_SELF = "segment_self", "不能把人群报告共享给自己", "A segment report cannot be shared with yourself"
    SEGMENT_WITHDRAWN = "segment_withdrawn", "该共享已撤回", "This share has already been withdrawn"
    SEGMENT_SOURCE = (
        "segment_source",
        "请选择一个已保存的人群或填写规则(二选一)",
        "Give either a saved audience or rules (one of the two)",
    )
