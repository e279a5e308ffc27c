"""The error codes the prospects capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    OVERLAP_CANDIDATE_IN_ALLIANCE = (
        "overlap_candidate_in_alliance",
        "该候选伙伴已是联盟商户:联盟内的重合度直接按会员统计,无需上传",
        "This candidate is already an alliance merchant: its overlap is counted from memberships, no upload",
    )
    OVERLAP_BUDGET_SPENT = (
        "overlap_budget_spent",
        "该潜在伙伴的 {budget} 次重合度计算已用完,不能再计算(防止差分攻击)",
        "This prospect's {budget} overlap computations are used up; no more can be run (it stops differencing)",
    )
    OVERLAP_INVITATION_EXPIRED = (
        "overlap_invitation_expired",
        "该邀请已过期,请联系邀请方重新发出邀请(新邀请有新的盐值)",
        "This invitation has expired; ask for a new one (it comes with a new salt)",
    )
    OVERLAP_UPLOAD_MALFORMED = (
        "overlap_upload_malformed",
        "文件有 {count} 处问题,未保存任何内容;请按行修正后重新上传",
        "The file has {count} problem(s) and nothing was stored; fix the lines listed and upload again",
    )
    OVERLAP_UPLOAD_BELOW_K = (
        "overlap_upload_below_k",
        "只有 {count} 个不同的哈希值,少于 {k} 个:这样的名单可能识别出个人,拒绝计算",
        "Only {count} distinct hashes, fewer than {k}: such a list could single people out, so it is refused",
    )
    OVERLAP_UPLOAD_TOO_SMALL = (
        "overlap_upload_too_small",
        "只有 {count} 个不同的哈希值,至少需要 {minimum} 个才计算重合度",
        "Only {count} distinct hashes; an overlap is computed for {minimum} or more",
    )
