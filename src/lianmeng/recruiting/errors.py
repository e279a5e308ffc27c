"""The error codes the recruiting capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    JOIN_LINK_INACTIVE = "join_link_inactive", "招募链接已失效", "This join link is no longer active"
    RECRUIT_KIND_NOT_INVITED = (
        "recruit_kind_not_invited",
        "此招募链接不接受这类申请",
        "This join link does not invite this kind of applicant",
    )
    RECRUIT_NEEDS_HOST = (
        "recruit_needs_host",
        "推广员需通过商户的招募链接申请",
        "Promoters apply through a merchant's join link",
    )
    RECRUIT_ALREADY_APPLIED = (
        "recruit_already_applied",
        "该手机号已有待审核或已通过的申请",
        "This phone already has a pending or approved application",
    )
    RECRUIT_SELF_APPROVAL = "recruit_self_approval", "不能审核自己的申请", "You cannot decide your own application"
    RECRUIT_OWN_RECRUIT = (
        "recruit_own_recruit",
        "不能审核自己招募的申请,请由其他管理员或盟主审核",
        "You cannot decide an application you recruited; another admin or the operator must",
    )
    RECRUIT_ALREADY_DECIDED = "recruit_already_decided", "该申请已审核", "This application has already been decided"
    RECRUIT_REASON_REQUIRED = "recruit_reason_required", "拒绝申请须填写原因", "A rejection needs a reason"
    RECRUIT_BOUNTY_RANGE = (
        "recruit_bounty_range",
        "招募奖励须在 ¥0 至 ¥10,000.00 之间",
        "The recruit bounty must be between ¥0 and ¥10,000.00",
    )
    PASSWORD_TOO_SHORT = "password_too_short", "密码至少 8 位", "The password needs at least 8 characters"
