"""The error codes the commissions capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    COMMISSION_TERM_NEEDS_PAIR = (
        "commission_term_needs_pair",
        "第 {term} 条佣金条款无法支付:全联盟协议没有付款方和推荐方;请改用枢纽佣金(hub_share),写明枢纽和比例",
        "Commission term {term} could never be paid: an alliance-wide agreement has no paying or referring side; use "
        "a hub share (hub_share) naming the hub and the rate",
    )
    COMMISSION_TERM_HUB_ALLIANCE_WIDE = (
        "commission_term_hub_alliance_wide",
        "第 {term} 条佣金条款:枢纽佣金(hub_share)只能写在全联盟协议中",
        "Commission term {term}: a hub share (hub_share) belongs on an alliance-wide agreement",
    )
    COMMISSION_TERM_HUB_MISSING = (
        "commission_term_hub_missing",
        "第 {term} 条佣金条款:请指定枢纽(某个成员商户,或联盟总部)",
        "Commission term {term}: name the hub (a member merchant, or the alliance operator)",
    )
    COMMISSION_TERM_STAFF_AMOUNT = (
        "commission_term_staff_amount",
        "第 {term} 条佣金条款:收取方为“商户与导购”时须填写导购另得金额",
        "Commission term {term}: paying the merchant and the staff member needs the staff member's amount",
    )
    COMMISSION_TERM_IGNORED = (
        "commission_term_ignored",
        "第 {term} 条佣金条款的「{what}」不适用于这种计佣方式,引擎不会按它付款;请删除该项",
        "Commission term {term}: '{what}' does not apply to this kind of term and would never be paid; remove it",
    )
