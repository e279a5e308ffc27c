"""The error codes the campaigns capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    CAMPAIGN_STATUS = (
        "campaign_status",
        "活动当前状态为「{status}」,不能执行此操作",
        "The campaign is '{status}'; not allowed now",
    )
    CAMPAIGN_TRANSITION = (
        "campaign_transition",
        "活动状态不能从「{status}」变为「{target}」",
        "A campaign cannot go from '{status}' to '{target}'",
    )
    CAMPAIGN_NO_MERCHANTS = "campaign_no_merchants", "请先添加参与商户", "Add participating merchants first"
    CAMPAIGN_NOT_PARTICIPANT = (
        "campaign_not_participant",
        "该商户未参与此活动",
        "The merchant does not take part in this campaign",
    )
    CAMPAIGN_REGISTERED = (
        "campaign_registered",
        "该会员已报名此活动",
        "The member is already registered for this campaign",
    )
    CAMPAIGN_NOT_REGISTERED = (
        "campaign_not_registered",
        "该会员未报名此活动",
        "The member is not registered for this campaign",
    )
    CAMPAIGN_CHECKED_IN = "campaign_checked_in", "该会员已签到", "The member has already checked in"
    CAMPAIGN_PACKAGE_CLAIMED = (
        "campaign_package_claimed",
        "该会员已领取此礼包",
        "The member has already received this package",
    )
