"""The error codes the distribution capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    DISTRIBUTION_OPERATOR_VOUCHER = (
        "distribution_operator_voucher",
        "分销奖励由发券商户支付:请在商户自己的优惠券上设置分销",
        "A sharing reward is paid by the offer's merchant: set distribution on a merchant's own offer",
    )
    DISTRIBUTION_BENEFIT = (
        "distribution_benefit",
        "合作权益只发给伙伴的会员,不能分享",
        "A partner benefit goes to a partner's members only and cannot be shared",
    )
    DISTRIBUTION_NOT_SHAREABLE = (
        "distribution_not_shareable", "这项优惠没有开放分享", "This offer is not open for sharing")
