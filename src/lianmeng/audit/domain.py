"""What the audit trail records, in words, and how before/after values are made safe to keep (pure: no session).

Personal data never enters the trail in clear: a field named like a phone or an account number is masked, a
person's name is cut to its first character, secrets (passwords, key hashes) are dropped to "***", and any text
value is passed through the log's mobile-number mask as well (a reason typed by an admin may hold a number)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from lianmeng.kit.logmask import mask_mobiles
from lianmeng.kit.vocab import LabelledEnum

USER_AGENT_LENGTH = 120
ACTOR_NAME_LENGTH = 80


class AuditAction(LabelledEnum):
    """An administrative action (`audit_events.action`): "<object>.<verb>"."""

    AGREEMENT_CREATE = "agreement.create", "起草协议", "Agreement drafted"
    AGREEMENT_UPDATE = "agreement.update", "修改协议条款", "Agreement terms changed"
    AGREEMENT_PROPOSE = "agreement.propose", "提交协议", "Agreement proposed"
    AGREEMENT_COUNTER = "agreement.counter", "协议还价", "Agreement counter-offered"
    AGREEMENT_WITHDRAW = "agreement.withdraw", "撤回协议", "Agreement withdrawn"
    AGREEMENT_ACCEPT = "agreement.accept", "接受协议", "Agreement accepted"
    AGREEMENT_REJECT = "agreement.reject", "拒绝协议", "Agreement rejected"
    AGREEMENT_ACTIVATE = "agreement.activate", "协议生效", "Agreement activated"
    AGREEMENT_SUSPEND = "agreement.suspend", "暂停协议", "Agreement suspended"
    AGREEMENT_RESUME = "agreement.resume", "恢复协议", "Agreement resumed"
    AGREEMENT_TERMINATE = "agreement.terminate", "终止协议", "Agreement terminated"
    SETTLEMENT_RUN = "settlement.run", "结算期间", "Period settled"
    STATEMENT_ISSUE = "statement.issue", "下发对账单", "Statement issued"
    STATEMENT_CONFIRM = "statement.confirm", "确认对账单", "Statement confirmed"
    STATEMENT_DISPUTE = "statement.dispute", "对账单提出异议", "Statement disputed"
    STATEMENT_ADJUST = "statement.adjust", "更正对账单", "Statement corrected"
    STATEMENT_PAY = "statement.pay", "对账单已付款", "Statement paid"
    WITHDRAWAL_APPROVE = "withdrawal.approve", "批准提现", "Withdrawal approved"
    WITHDRAWAL_REJECT = "withdrawal.reject", "拒绝提现", "Withdrawal rejected"
    WITHDRAWAL_PAY = "withdrawal.pay", "提现已打款", "Withdrawal paid"
    MEMBER_MERGE = "member.merge", "合并会员", "Members merged"
    MEMBER_UNMERGE = "member.unmerge", "撤销会员合并", "Member merge undone"
    PLACE_MERGE = "place.merge", "合并商户/门店", "Places merged"
    PLACE_UNMERGE = "place.unmerge", "撤销商户/门店合并", "Place merge undone"
    SEGMENT_SHARE = "segment.share", "共享客群报告", "Segment report shared"
    SEGMENT_WITHDRAW = "segment.withdraw", "撤回客群共享", "Segment share withdrawn"
    OVERLAP_INVITE = "overlap.invite", "邀请潜在商户比对重合度", "Prospect invited to an overlap upload"
    LOGIN = "auth.login", "登录", "Logged in"
    LOGIN_FAILED = "auth.login_failed", "登录失败", "Login failed"
    LOGOUT = "auth.logout", "退出登录", "Logged out"
    USER_CREATE = "user.create", "创建账号", "Login created"
    USER_UPDATE = "user.update", "修改账号", "Login changed"
    STAFF_CREATE = "staff.create", "添加员工", "Staff added"
    STAFF_UPDATE = "staff.update", "修改员工", "Staff changed"
    API_KEY_CREATE = "api_key.create", "创建接口密钥", "API key created"
    API_KEY_REVOKE = "api_key.revoke", "吊销接口密钥", "API key revoked"
    ALLIANCE_CREATE = "alliance.create", "创建联盟", "Alliance created"
    ALLIANCE_UPDATE = "alliance.update", "修改联盟设置", "Alliance settings changed"
    MERCHANT_UPDATE = "merchant.update", "修改商户设置", "Merchant settings changed"
    DEDUP_SETTINGS = "dedup.settings", "修改查重阈值", "Duplicate thresholds changed"
    OWNERSHIP_SETTINGS = "ownership.settings", "修改客户归属规则", "Customer ownership rules changed"
    SCORING_WEIGHTS = "scoring.weights", "修改伙伴评分权重", "Partner scoring weights changed"
    RECRUITING_BOUNTY = "recruiting.bounty", "修改招募奖励", "Recruiting bounty changed"
    PLACEMENT_SLOT = "placement.slot", "设置推广位", "Featured slot set"
    PLACEMENT_BOOK = "placement.book", "预订推广位", "Featured placement booked"
    PLACEMENT_CANCEL = "placement.cancel", "取消推广位预订", "Featured placement cancelled"
    FEES_SETTINGS = "fees.settings", "修改平台收费规则", "Platform fees changed"
    FEES_WAIVER = "fees.waiver", "减免平台费用", "Platform fee waived"
    DISTRIBUTION_TERMS = "distribution.terms", "修改分销规则", "Distribution terms changed"
    GROUP_BUY_CREATE = "group_buy.create", "创建拼团", "Group buy created"
    GROUP_BUY_UPDATE = "group_buy.update", "修改拼团", "Group buy changed"
    GROUP_BUY_PAUSE = "group_buy.pause", "暂停拼团", "Group buy paused"
    GROUP_BUY_RESUME = "group_buy.resume", "恢复拼团", "Group buy resumed"

    @property
    def object_type(self) -> str:
        """What the action was done to (an ObjectType value): the object named before the dot, in full."""
        prefix = self.value.partition(".")[0]
        return _OBJECT_OF.get(prefix, prefix)


class ObjectType(LabelledEnum):
    """What an action was done to (`audit_events.object_type`)."""

    AGREEMENT = "agreement", "协议", "Agreement"
    SETTLEMENT_RUN = "settlement_run", "结算批次", "Settlement run"
    STATEMENT = "statement", "对账单", "Statement"
    WITHDRAWAL = "withdrawal", "提现", "Withdrawal"
    MEMBER_MERGE = "member_merge", "会员合并", "Member merge"
    PLACE_MERGE = "place_merge", "商户/门店合并", "Place merge"
    SEGMENT_SHARE = "segment_share", "客群共享", "Segment share"
    OVERLAP_INVITATION = "overlap_invitation", "重合度邀请", "Overlap invitation"
    USER = "user", "账号", "Login"
    STAFF = "staff", "员工", "Staff"
    API_KEY = "api_key", "接口密钥", "API key"
    ALLIANCE = "alliance", "联盟", "Alliance"
    MERCHANT = "merchant", "商户", "Merchant"
    DEDUP_SETTINGS = "dedup_settings", "查重设置", "Duplicate settings"
    OWNERSHIP = "ownership", "客户归属规则", "Ownership rules"
    SCORING = "scoring", "伙伴评分权重", "Scoring weights"
    RECRUITING = "recruiting", "招募设置", "Recruiting settings"
    PLACEMENT = "placement", "推广位", "Featured placement"
    FEES = "fees", "平台收费", "Platform fees"
    DISTRIBUTION = "distribution", "分销规则", "Distribution terms"
    GROUP_BUY = "group_buy", "拼团", "Group buy"


_OBJECT_OF = {"settlement": ObjectType.SETTLEMENT_RUN.value, "member": ObjectType.MEMBER_MERGE.value,
              "place": ObjectType.PLACE_MERGE.value, "segment": ObjectType.SEGMENT_SHARE.value,
              "overlap": ObjectType.OVERLAP_INVITATION.value, "auth": ObjectType.USER.value,
              "dedup": ObjectType.DEDUP_SETTINGS.value}

ACTOR_USER, ACTOR_API_KEY, ACTOR_SYSTEM = "user", "api_key", "system"
"""Who acted (`audit_events.actor_kind`): a login, a merchant's API key, or a scheduled job (no login)."""


SECRET_FIELDS = frozenset({"password", "password_hash", "secret", "secret_hash", "token", "code", "code_hash"})
NAME_FIELDS = frozenset({"real_name", "contact_name", "holder_name", "account_name"})
SECRET = "***"


def _mask_number(text: str) -> str:
    """Keep the first three and the last four characters of a long number (138****5678), less of a short one."""
    if len(text) <= 4:
        return "*" * len(text)
    if len(text) < 8:
        return text[:1] + "*" * (len(text) - 2) + text[-1:]
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def _plain(value: Any) -> Any:
    """A JSON-ready value: enums by their value, dates as ISO text, Decimals as text, nested containers walked."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def masked_value(field: str, value: Any) -> Any:
    """`value` as the trail keeps it under the name `field` (see the module's docstring)."""
    key = field.lower()
    plain = _plain(value)
    if plain is None:
        return None
    if key in SECRET_FIELDS or key.endswith(("_hash", "password")):
        return SECRET
    if isinstance(plain, str) and ("phone" in key or "mobile" in key or key.startswith("account")
                                   or key.endswith(("account_no", "_account", "id_number", "vin"))):
        return _mask_number(plain)
    if isinstance(plain, str) and key in NAME_FIELDS:
        return plain[:1] + "*" * max(len(plain) - 1, 0)
    if isinstance(plain, str):
        return mask_mobiles(plain)
    if isinstance(plain, dict):
        return masked(plain)
    if isinstance(plain, list):
        return [masked_value(field, v) for v in plain]
    return plain


def masked(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every field of `values` made safe to keep (`masked_value`)."""
    return {str(k): masked_value(str(k), v) for k, v in (values or {}).items()}


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields whose value differs (compared as JSON-ready values): (their old values, their new ones)."""
    old, new = {}, {}
    for field in sorted(set(before) | set(after)):
        was, now = _plain(before.get(field)), _plain(after.get(field))
        if was != now:
            if field in before:
                old[field] = was
            if field in after:
                new[field] = now
    return old, new


def short_user_agent(raw: str | None) -> str:
    """The browser or client as sent, cut to what a reader needs (the product and its first words)."""
    return " ".join((raw or "").split())[:USER_AGENT_LENGTH]
