"""The error codes the dedup capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    DEDUP_ALLIANCE_REQUIRED = "dedup_alliance_required", "请指定联盟(alliance_id)", "Name the alliance (alliance_id)"
    DEDUP_DECIDED = "dedup_decided", "该重复候选已处理", "This duplicate candidate has already been decided"
    DEDUP_SURVIVOR = "dedup_survivor", "保留的记录必须是这一对中的一条", "The record kept must be one of the pair"
    DEDUP_MERGE_MEMBERS_ONLY = (
        "dedup_merge_members_only",
        "商户与门店只能由盟主合并",
        "Merchants and stores are merged by the operator only",
    )
    DEDUP_THRESHOLDS = (
        "dedup_thresholds",
        "阈值须满足 0 < 待审 ≤ 自动合并 ≤ 1",
        "Thresholds must satisfy 0 < review ≤ automatic merge ≤ 1",
    )
