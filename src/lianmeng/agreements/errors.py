"""The error codes the agreements capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    AGREEMENT_TRANSITION = (
        "agreement_transition",
        "协议当前状态为「{status}」,不能执行「{action}」",
        "Agreement is '{status}'; cannot '{action}'",
    )
    AGREEMENT_NOT_EDITABLE = (
        "agreement_not_editable",
        "只有草稿状态的协议可以修改条款",
        "Only draft agreements can have their terms changed",
    )
    AGREEMENT_REASON_REQUIRED = (
        "agreement_reason_required",
        "请填写原因:拒绝、暂停或终止协议须说明原因(记入变更记录)",
        "Give a reason: rejecting, suspending or terminating an agreement needs one (it goes into the history)",
    )
    AGREEMENT_PARTY = "agreement_party", "只有协议双方可以执行此操作", "Only a party to the agreement may do this"
    AGREEMENT_NOT_STARTED = "agreement_not_started", "协议尚未到生效日期", "The agreement's start date has not come"
    AGREEMENT_EXPIRED = "agreement_expired", "协议已过有效期", "The agreement has expired"
    AGREEMENT_COUNTER_UNCHANGED = (
        "agreement_counter_unchanged",
        "还价须至少修改一项条款;条款不变请直接接受",
        "A counter-offer changes at least one term; to agree to the terms as they are, accept them",
    )
    AGREEMENT_COUNTER_NEEDS_TERMS = (
        "agreement_counter_needs_terms",
        "还价须附上修改后的条款(POST /agreements/{id}/counter-offers)",
        "A counter-offer comes with the changed terms (POST /agreements/{id}/counter-offers)",
    )
    AGREEMENT_SELF = "agreement_self", "协议双方不能是同一商户", "An agreement needs two different merchants"
    AGREEMENT_TERMS_UNPAYABLE = (
        "agreement_terms_unpayable",
        "此协议的第 {term} 条佣金条款引擎无法支付,不能生效;请终止此协议并按现行规则重新拟定",
        "Commission term {term} of this agreement could never be paid, so it cannot take effect; terminate it and "
        "draft it again under the current rules",
    )
    AGREEMENT_CYCLE_ALLIANCE_WIDE = (
        "agreement_cycle_alliance_wide",
        "全联盟协议按月结算(它与每个商户的往来都记在月度对账单上)",
        "An alliance-wide agreement settles monthly (its lines with every merchant are on the monthly statements)",
    )
