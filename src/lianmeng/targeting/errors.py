"""The error codes the targeting capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    OFFER_PARTNER_NOT_AGREED = (
        "offer_partner_not_agreed",
        "只能推送与本商户有生效合作协议的伙伴的券模板",
        "Choose a coupon template of a partner with an active agreement with you",
    )
    OFFER_AUDIENCE_NO_CONSENT = (
        "offer_audience_no_consent",
        "该人群中没有同意接收营销信息的会员,无法推送",
        "Nobody in this audience has consented to marketing messages: nothing can be sent",
    )
    OFFER_HOLDOUT_RANGE = "offer_holdout_range", "对照组比例须在 0–50% 之间", "The holdout must be between 0 and 50%"
    OFFER_CLOSED = "offer_closed", "该推荐已结束或已取消", "This offer has already finished or been cancelled"
    TARGETING_RESULTS_NO_OFFER = (
        "targeting_results_no_offer",
        "请至少选择一个定向推荐",
        "Choose at least one targeted offer",
    )
    TARGETING_RESULTS_TOO_MANY = (
        "targeting_results_too_many",
        "最多合并查看 {limit} 个定向推荐",
        "At most {limit} targeted offers can be shown together",
    )
