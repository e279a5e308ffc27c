"""The error codes the members capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    MEMBER_EXISTS = (
        "member_exists",
        "该手机号已办理联盟卡,请扫码或输入卡号将其加入本商户会员",
        "This phone already holds an alliance card; scan or enter the card to enrol the member here",
    )
    CONSENT_REQUIRED = "consent_required", "请先同意会员条款", "Please accept the membership terms first"
    MEMBERSHIP_EXISTS = "membership_exists", "该会员已是本商户会员", "Already a member at this merchant"
    INVALID_CARD = "invalid_card", "联盟卡号或二维码无效", "Invalid alliance card number or QR code"
    INVALID_PHONE = "invalid_phone", "手机号格式不正确", "Invalid mobile phone number"
