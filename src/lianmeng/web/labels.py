"""Every stored code a page shows, in words (zh-CN, en): one table per kind of code, kept once.

The words live beside the values in each vocabulary's LabelledEnum (kit/vocab.py; `Tier.GOLD = "gold", "金卡会员",
"Gold"`), in the capability's domain; the tables here are built from those enums (`pairs(Tier)`), and only the few
codes that have no enum yet keep a small table here. Pages render a code with the `label` filter,
`{{ agreement.status|label("agreement_status") }}`, or `page.label(...)` in Python; a code without a word (a
merchant's own tier name, say) is shown as it was typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from lianmeng.agreements import domain as agreements
from lianmeng.audit import domain as audit
from lianmeng.auth.domain import ROLE_LABELS
from lianmeng.campaigns.domain import CampaignStatus
from lianmeng.commissions import domain as commissions
from lianmeng.coupons.domain import Acceptance, CouponKind
from lianmeng.dedup import domain as dedup
from lianmeng.dedup.schemas import VERDICT_LABELS as DEDUP_VERDICT_LABELS
from lianmeng.distance import domain as distance
from lianmeng.groupbuys import domain as groupbuys
from lianmeng.jobs import domain as jobs
from lianmeng.jointcards.domain import JointProductStatus
from lianmeng.kit.vocab import pairs
from lianmeng.ledger.domain import AccountKind, PostingCause
from lianmeng.members.domain import Gender, MemberStatus, Tier
from lianmeng.merchants.domain import INDUSTRY_LABELS, STAFF_ROLE_LABELS, MerchantStatus
from lianmeng.merging import domain as merging
from lianmeng.notifications import domain as notifications
from lianmeng.ownership import domain as ownership
from lianmeng.partners import domain as partners
from lianmeng.points.domain import ENTRY_LABELS
from lianmeng.profiles.domain import FIELD_LABELS as PROFILE_FIELD_LABELS
from lianmeng.prospects.domain import AUDIT_EVENT_LABELS, INVITATION_STATUS_LABELS, UPLOAD_PROBLEM_LABELS
from lianmeng.recruiting import domain as recruiting
from lianmeng.segments import domain as segments
from lianmeng.settlement import domain as settlement
from lianmeng.tags import domain as tags
from lianmeng.targeting import domain as targeting
from lianmeng.targeting import uplift
from lianmeng.values.domain import RFM_CLASS_LABELS
from lianmeng.verification import domain as verification
from lianmeng.webhooks import domain as webhooks
from lianmeng.withdrawals.domain import PAYOUT_METHOD_LABELS, Decision, WithdrawalStatus

Pair = tuple[str, str]

GENDER_LABELS: dict[Gender, Pair] = pairs(Gender)
TIER_LABELS: dict[Tier, Pair] = pairs(Tier)
AGREEMENT_ACTION_LABELS: dict[agreements.AgreementAction, Pair] = pairs(agreements.AgreementAction)
AGREEMENT_EVENT_LABELS: dict[agreements.AgreementEventKind, Pair] = pairs(agreements.AgreementEventKind)
# the terms of an agreement, as its history names what an edit or a counter-offer changed
AGREEMENT_FIELD_LABELS: dict[str, Pair] = {
    "title": ("协议名称", "title"), "modes": ("合作模式", "modes"), "commission_terms": ("佣金", "commission"),
    "benefits": ("会员权益", "benefits"), "return_window_days": ("退货观察期", "return window"),
    "settlement_cycle": ("结算周期", "settlement cycle"), "valid_from": ("生效日期", "valid from"),
    "valid_until": ("截止日期", "valid until"), "notes": ("备注", "notes"),
}
CYCLE_LABELS: dict[settlement.SettlementCycle, Pair] = settlement.CYCLE_LABELS
TERM_PAYEE_LABELS: dict[str, Pair] = {
    "merchant": ("推荐商户", "Referring merchant"), "staff": ("推荐导购", "Referring staff member"),
    "both": ("商户与导购", "Merchant and staff member"),
}
COUPON_KIND_LABELS: dict[CouponKind, Pair] = pairs(CouponKind)
ACCEPTANCE_LABELS: dict[Acceptance, Pair] = pairs(Acceptance)
ACTIVE_PAUSED: dict[str, Pair] = {"active": ("发放中", "Active"), "paused": ("已暂停", "Paused")}
JOINT_CARD_LABELS: dict[str, Pair] = {
    "active": ("使用中", "Active"), "refunded": ("已退款", "Refunded"), "expired": ("已过期", "Expired"),
}
JOINT_PRODUCT_LABELS: dict[JointProductStatus, Pair] = {
    JointProductStatus.ACTIVE: ("在售", "On sale"), JointProductStatus.PAUSED: ("已停售", "Paused"),
}
CAMPAIGN_STATUS_LABELS: dict[CampaignStatus, Pair] = pairs(CampaignStatus)
MERCHANT_STATUS_LABELS: dict[MerchantStatus, Pair] = pairs(MerchantStatus)
MEMBER_STATUS_LABELS: dict[str, Pair] = {
    **{str(status): words for status, words in pairs(MemberStatus).items()},
    merging.TOMBSTONE: ("已合并", "Merged into another member"),
}
MERGE_STATUS_LABELS: dict[merging.MergeStatus, Pair] = pairs(merging.MergeStatus)
MERGE_EVENT_LABELS: dict[merging.MergeEventKind, Pair] = pairs(merging.MergeEventKind)
PLACE_KIND_LABELS: dict[merging.PlaceKind, Pair] = pairs(merging.PlaceKind)
ACCOUNT_LABELS: dict[AccountKind, Pair] = pairs(AccountKind)
LEDGER_CAUSE_LABELS: dict[PostingCause, Pair] = pairs(PostingCause)
WITHDRAWAL_STATUS_LABELS: dict[WithdrawalStatus, Pair] = pairs(WithdrawalStatus)
DECISION_LABELS: dict[Decision, Pair] = pairs(Decision)
PAYEE_TYPE_LABELS: dict[str, Pair] = {"merchant": ("商户", "Merchant"), "staff": ("员工", "Staff member")}
STATEMENT_ACTION_LABELS: dict[settlement.Action, Pair] = settlement.ACTION_LABELS

# the label tables by name, as the `label` filter knows them
_BY_NAME: dict[str, Mapping[Any, Pair]] = {
    "agreement_status": agreements.STATUS_LABELS,
    "agreement_action": AGREEMENT_ACTION_LABELS,
    "agreement_event": AGREEMENT_EVENT_LABELS,
    "agreement_field": AGREEMENT_FIELD_LABELS,
    "cooperation_mode": agreements.MODE_LABELS,
    "settlement_cycle": CYCLE_LABELS,
    "commission_kind": commissions.KIND_LABELS,
    "commission_payee": commissions.PAYEE_LABELS,
    "rebate_status": commissions.REBATE_STATUS_LABELS,
    "term_payee": TERM_PAYEE_LABELS,
    "industry": INDUSTRY_LABELS,
    "merchant_status": MERCHANT_STATUS_LABELS,
    "staff_role": STAFF_ROLE_LABELS,
    "role": ROLE_LABELS,
    "audit_action": pairs(audit.AuditAction),
    "audit_object": pairs(audit.ObjectType),
    "webhook_event": pairs(webhooks.EventType),
    "webhook_state": pairs(webhooks.DeliveryState),
    "audit_actor_kind": {"user": ("账号", "Login"), "api_key": ("接口密钥", "API key"),
                         "system": ("系统任务", "System job")},
    "member_status": MEMBER_STATUS_LABELS,
    "merge_status": MERGE_STATUS_LABELS,
    "merge_event": MERGE_EVENT_LABELS,
    "place_kind": PLACE_KIND_LABELS,
    "tier": TIER_LABELS,
    "account_kind": ACCOUNT_LABELS,
    "ledger_cause": LEDGER_CAUSE_LABELS,
    "points_entry": ENTRY_LABELS,
    "coupon_kind": COUPON_KIND_LABELS,
    "acceptance": ACCEPTANCE_LABELS,
    "template_status": ACTIVE_PAUSED,
    "joint_card_status": JOINT_CARD_LABELS,
    "joint_product_status": JOINT_PRODUCT_LABELS,
    "campaign_status": CAMPAIGN_STATUS_LABELS,
    "group_buy_status": pairs(groupbuys.GroupBuyStatus),
    "group_buy_group_status": pairs(groupbuys.GroupStatus),
    "group_buy_seat_status": pairs(groupbuys.SeatStatus),
    "withdrawal_status": WITHDRAWAL_STATUS_LABELS,
    "payout_method": PAYOUT_METHOD_LABELS,
    "withdrawal_decision": DECISION_LABELS,
    "payee_type": PAYEE_TYPE_LABELS,
    "notification_kind": notifications.STAFF_KIND_LABELS,
    "message_kind": notifications.MEMBER_KIND_LABELS,
    "statement_status": settlement.STATUS_LABELS,
    "statement_action": STATEMENT_ACTION_LABELS,
    "statement_side": settlement.SIDE_LABELS,
    "decay_source": distance.SOURCE_LABELS,
    "decay_scope": distance.SCOPE_LABELS,
    "partner_standard": partners.STANDARD_LABELS,
    "store_trend": partners.TREND_LABELS,
    "rating_source": partners.RATING_SOURCE_LABELS,
    "candidate_status": partners.STATUS_LABELS,
    "sincerity_question": partners.QUESTION_LABELS,
    "sincerity_reply": partners.REPLY_LABELS,
    "score_basis": partners.BASIS_LABELS,
    "partner_verdict": partners.VERDICT_LABELS,
    "partner_gate": partners.GATE_LABELS,
    "recruit_status": recruiting.STATUS_LABELS,
    "recruit_decision": recruiting.DECISION_LABELS,
    "applicant_kind": recruiting.KIND_LABELS,
    "occupation": recruiting.OCCUPATION_LABELS,
    "link_accepts": recruiting.ACCEPTS_LABELS,
    "recruiter_type": recruiting.RECRUITER_LABELS,
    "prospect_invitation_status": INVITATION_STATUS_LABELS,
    "prospect_audit_event": AUDIT_EVENT_LABELS,
    "upload_problem": UPLOAD_PROBLEM_LABELS,
    "segment_dimension": segments.DIMENSION_LABELS,
    "segment_share_status": segments.SHARE_STATUS_LABELS,
    "uplift_verdict": uplift.VERDICT_LABELS,
    "offer_arm": targeting.ARM_LABELS,
    "offer_status": targeting.OFFER_STATUS_LABELS,
    "offer_recipient_status": targeting.RECIPIENT_STATUS_LABELS,
    "offer_skip_reason": targeting.SKIP_REASON_LABELS,
    "offer_channel": targeting.CHANNEL_LABELS,
    "rfm_class": RFM_CLASS_LABELS,
    "tag_group": tags.GROUP_LABELS,
    "tag_source": tags.SOURCE_LABELS,
    "tag_rule_kind": tags.RULE_KIND_LABELS,
    "verification_status": verification.STATUS_LABELS,
    "verification_rule": verification.RULE_LABELS,
    "verification_subject": verification.SUBJECT_LABELS,
    "verification_action": verification.ACTION_LABELS,
    "code_problem": verification.CODE_PROBLEM_LABELS,
    "profile_field": PROFILE_FIELD_LABELS,
    "gender": GENDER_LABELS,
    "ownership_change": ownership.CHANGE_LABELS,
    "assign_basis": ownership.BASIS_LABELS,
    "dedup_kind": dedup.KIND_LABELS,
    "job_kind": jobs.KIND_LABELS,
    "job_outcome": jobs.OUTCOME_LABELS,
    "dedup_state": dedup.STATE_LABELS,
    "dedup_agreement": dedup.AGREEMENT_LABELS,
    "dedup_decision": dedup.DECISION_LABELS,
    "dedup_verdict": DEDUP_VERDICT_LABELS,
    "dedup_field": dedup.FIELD_LABELS,
    "dedup_gender": dedup.GENDER_LABELS,
}
TABLES: dict[str, dict[str, Pair]] = {
    name: {str(code): words for code, words in table.items()} for name, table in _BY_NAME.items()}


def pair(table: str, code: str | StrEnum | None) -> Pair:
    """(zh-CN, en) for a code; the code itself twice when the table has no word for it (free text)."""
    text = "" if code is None else str(code)
    return TABLES[table].get(text, (text, text))


def label(table: str, code: str | StrEnum | None, lang: str) -> str:
    zh, en = pair(table, code)
    return en if lang == "en" else zh


def options(table: str, lang: str, codes: list[str] | None = None) -> list[tuple[str, str]]:
    """(code, words) for a form's select, in the table's order (or the given codes')."""
    return [(code, label(table, code, lang)) for code in (codes if codes is not None else list(TABLES[table]))]


def rebate_reason(reason: str, lang: str) -> str:
    """A rebate's stored reason ('per_head', 'percent_of_order 5%') in words ('按人头', '按比例 5%')."""
    kind, _, rest = reason.partition(" ")
    return " ".join(part for part in (label("commission_kind", kind, lang), rest) if part)


# the codes inside an error's message, by error code: parameter → label table (a page says 「已结束」, not 「closed」)
ERROR_PARAMS: dict[str, dict[str, str]] = {
    "insufficient_balance": {"kind": "account_kind"},
    "agreement_transition": {"status": "agreement_status", "action": "agreement_action"},
    "agreement_party": {"status": "agreement_status", "action": "agreement_action"},
    "agreement_not_started": {"status": "agreement_status", "action": "agreement_action"},
    "agreement_expired": {"status": "agreement_status", "action": "agreement_action"},
    "agreement_reason_required": {"action": "agreement_action"},
    "withdrawal_transition": {"status": "withdrawal_status", "action": "withdrawal_decision"},
    "statement_transition": {"status": "statement_status", "action": "statement_action"},
    "statement_side": {"action": "statement_action"},
    "campaign_status": {"status": "campaign_status"},
    "campaign_transition": {"status": "campaign_status", "target": "campaign_status"},
    "joint_card_closed": {"status": "joint_card_status"},
}


def error_params(code: str, params: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """An error's message parameters with the codes among them in words."""
    tables = ERROR_PARAMS.get(code, {})
    return {name: label(tables[name], value, lang) if name in tables and value is not None else value
            for name, value in params.items()}
