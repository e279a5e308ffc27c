"""Messages in zh-CN (default) and en, chosen from the Accept-Language header.

Error codes and their messages: each capability's `ErrorCode` enum (kit/errors.py, `<capability>/errors.py`) holds
its codes with both messages beside them; `MESSAGES` below holds the codes not yet moved into an enum. A code is
defined in exactly one of these places (tests/unit/kit/test_i18n.py checks it). An unknown code is a bug: it is
logged as an error and, when LIANMENG_STRICT_MESSAGES=1 (the test suite sets it), raised as UnknownErrorCode, so a
test fails instead of a user quietly reading "the request is invalid".
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import pkgutil
from typing import Any

from lianmeng.kit.errors import ErrorCode

log = logging.getLogger("lianmeng.i18n")

LANGUAGES = ("zh-CN", "en")
STRICT_ENV = "LIANMENG_STRICT_MESSAGES"


class UnknownErrorCode(KeyError):
    """An error code with no messages anywhere (raised only in strict mode; logged always)."""


# codes not (yet) in an ErrorCode enum: empty since every capability has its enum; a new code goes into its
# capability's errors.py (docs/vocabularies-and-errors.md). Kept so that a code added here still works.
MESSAGES: dict[str, dict[str, str]] = {}

WORDS: dict[str, dict[str, str]] = {
    "alliance": {"zh-CN": "联盟", "en": "Alliance"},
    "dedup_candidate": {"zh-CN": "重复候选", "en": "Duplicate candidate"},
    "merchant": {"zh-CN": "商户", "en": "Merchant"},
    "store": {"zh-CN": "门店", "en": "Store"},
    "staff": {"zh-CN": "员工", "en": "Staff member"},
    "member": {"zh-CN": "会员", "en": "Member"},
    "place_merge": {"zh-CN": "合并记录", "en": "Merge"},
    "prospect": {"zh-CN": "潜在伙伴", "en": "prospect"},
    "staff.store_id": {"zh-CN": "门店的员工", "en": "staff working at the store"},
    "members.origin_store_id": {"zh-CN": "由该门店带来的会员", "en": "members brought in by the store"},
    "coupon_claim_links.store_id": {"zh-CN": "门店的领券链接", "en": "claim links of the store"},
    "partner_candidate_stores.candidate_id": {"zh-CN": "潜在伙伴的门店", "en": "prospect's stores"},
    "partner_mystery_visits.candidate_id": {"zh-CN": "神秘顾客到访记录", "en": "mystery-shopper visits"},
    "partner_sincerity_answers.candidate_id": {"zh-CN": "诚意测试回答", "en": "sincerity answers"},
    "prospect_invitations.candidate_id": {"zh-CN": "客户重合度邀请", "en": "overlap invitations"},
    "prospect_computations.candidate_id": {"zh-CN": "客户重合度计算", "en": "overlap computations"},
    "recruit_applications.candidate_id": {"zh-CN": "招商申请", "en": "recruiting applications"},
    "stores.merchant_id": {"zh-CN": "商户的门店", "en": "merchant's stores"},
    "staff.merchant_id": {"zh-CN": "商户的员工", "en": "merchant's staff"},
    "platform_users.merchant_id": {"zh-CN": "员工账号", "en": "staff logins"},
    "memberships.merchant_id": {"zh-CN": "商户会员资格", "en": "memberships"},
    "member_owners.merchant_id": {"zh-CN": "会员归属导购", "en": "member owners"},
    "members.origin_merchant_id": {"zh-CN": "由该商户带来的会员", "en": "members brought in by the merchant"},
    "coupon_templates.owner_merchant_id": {"zh-CN": "商户的券模板", "en": "merchant's coupon templates"},
    "coupon_templates.funded_by_merchant_id": {"zh-CN": "由其出资的券模板", "en": "coupon templates it funds"},
    "coupon_claim_links.merchant_id": {"zh-CN": "商户的领券链接", "en": "merchant's claim links"},
    "partner_candidates.merchant_id": {"zh-CN": "候选名单中的该商户", "en": "candidate entries naming it"},
    "partner_candidates.owner_merchant_id": {"zh-CN": "其候选伙伴名单", "en": "its candidate list"},
    "coupon_templates.accepted_store_ids": {"zh-CN": "券模板的适用门店", "en": "coupon templates' accepted stores"},
    "coupon_templates.accepted_merchant_ids": {"zh-CN": "券模板的适用商户",
                                               "en": "coupon templates' accepted merchants"},
    "member_merge": {"zh-CN": "会员合并记录", "en": "Member merge"},
    "points": {"zh-CN": "联盟积分", "en": "alliance points"},
    "points_debt": {"zh-CN": "积分欠额", "en": "points owed"},
    "stored_value": {"zh-CN": "储值余额", "en": "stored value"},
    "audience": {"zh-CN": "人群", "en": "Audience"},
    "segment_share": {"zh-CN": "人群报告共享", "en": "Segment share"},
    "membership": {"zh-CN": "商户会员资格", "en": "Membership"},
    "agreement": {"zh-CN": "合作协议", "en": "Agreement"},
    "term.kind": {"zh-CN": "计佣方式", "en": "Kind"},
    "term.hub": {"zh-CN": "枢纽", "en": "Hub"},
    "term.hub_merchant_id": {"zh-CN": "枢纽商户", "en": "Hub merchant"},
    "term.amount_fen": {"zh-CN": "金额", "en": "Amount"},
    "term.rate_bp": {"zh-CN": "比例", "en": "Rate"},
    "term.staff_amount_fen": {"zh-CN": "导购另得金额", "en": "Staff amount"},
    "term.payee": {"zh-CN": "佣金收取方", "en": "Payee"},
    "term.payer": {"zh-CN": "佣金支付方", "en": "Payer"},
    "term.first_order_only": {"zh-CN": "仅首单", "en": "First order only"},
    "term.cap_per_member_month_fen": {"zh-CN": "每位会员每月上限", "en": "Cap per member and month"},
    "term.operator_rate_bp": {"zh-CN": "盟主抽成比例", "en": "Operator rate"},
    "user": {"zh-CN": "账号", "en": "User"},
    "api_key": {"zh-CN": "API 密钥", "en": "API key"},
    "card": {"zh-CN": "联盟卡", "en": "Alliance card"},
    "order": {"zh-CN": "订单", "en": "Order"},
    "withdrawal": {"zh-CN": "提现申请", "en": "Withdrawal"},
    "payout_account": {"zh-CN": "收款账户", "en": "Payout account"},
    "account": {"zh-CN": "账户", "en": "Account"},
    "feedback": {"zh-CN": "评价", "en": "Feedback"},
    "coupon": {"zh-CN": "优惠券", "en": "Coupon"},
    "coupon_template": {"zh-CN": "券模板", "en": "Coupon template"},
    "coupon.kind": {"zh-CN": "券类型", "en": "kind"},
    "coupon.amount_fen": {"zh-CN": "优惠金额", "en": "amount"},
    "coupon.percent_bp": {"zh-CN": "折扣比例", "en": "percent off"},
    "coupon.cap_fen": {"zh-CN": "折扣上限", "en": "discount cap"},
    "coupon.item_name": {"zh-CN": "赠品名称", "en": "free item"},
    "coupon.item_value_fen": {"zh-CN": "赠品价值", "en": "item value"},
    "coupon.min_spend_fen": {"zh-CN": "最低消费", "en": "minimum spend"},
    "coupon.per_member_limit": {"zh-CN": "每人限领", "en": "per-member limit"},
    "coupon.uses_per_coupon": {"zh-CN": "每张可用次数", "en": "uses per coupon"},
    "coupon.acceptance": {"zh-CN": "使用范围", "en": "where it is accepted"},
    "coupon.accepted_merchant_ids": {"zh-CN": "适用商户", "en": "accepted merchants"},
    "coupon.funded_by_merchant_id": {"zh-CN": "出资方", "en": "who pays for it"},
    "coupon.owner_merchant_id": {"zh-CN": "发券商户", "en": "issuing merchant"},
    "coupon.agreement_id": {"zh-CN": "所属协议", "en": "agreement"},
    "redemption": {"zh-CN": "核销记录", "en": "Redemption"},
    "webhook_endpoint": {"zh-CN": "回调地址", "en": "Webhook endpoint"},
    "webhook_delivery": {"zh-CN": "推送记录", "en": "Webhook delivery"},
    "claim_link": {"zh-CN": "领券链接", "en": "Claim link"},
    "joint_card_product": {"zh-CN": "联合卡", "en": "Joint card product"},
    "joint_card": {"zh-CN": "联合储值卡", "en": "Joint card"},
    "joint_card_tier": {"zh-CN": "联合卡版本", "en": "Joint card tier"},
    "joint_card_component": {"zh-CN": "联合卡项目", "en": "Joint card component"},
    "campaign": {"zh-CN": "联合营销活动", "en": "Campaign"},
    "campaign_merchant": {"zh-CN": "参与商户", "en": "Participating merchant"},
    "statement": {"zh-CN": "对账单", "en": "Statement"},
    "statement_line": {"zh-CN": "对账单明细行", "en": "Statement line"},
    "settlement_run": {"zh-CN": "结算批次", "en": "Settlement run"},
    "campaign_registration": {"zh-CN": "活动报名", "en": "Campaign registration"},
    "gift_package": {"zh-CN": "礼包", "en": "Gift package"},
    "candidate": {"zh-CN": "候选伙伴", "en": "Candidate"},
    "join_link": {"zh-CN": "招募链接", "en": "Join link"},
    "member_owner": {"zh-CN": "会员归属", "en": "Member owner"},
    "tag": {"zh-CN": "标签", "en": "Tag"},
    "member_tag": {"zh-CN": "会员标签", "en": "Member tag"},
    "recruit_application": {"zh-CN": "招募申请", "en": "Application"},
    "welcome_link": {"zh-CN": "设置密码链接", "en": "Set-password link"},
    "invitation": {"zh-CN": "重合度邀请", "en": "Overlap invitation"},
    "targeted_offer": {"zh-CN": "定向推荐", "en": "Targeted offer"},
    "offer_page": {"zh-CN": "推荐优惠", "en": "Offer"},
    "notification": {"zh-CN": "通知", "en": "Notification"},
}


def pick_language(accept_language: str | None) -> str:
    """Best of zh-CN / en for an Accept-Language header; zh-CN when nothing matches."""
    if not accept_language:
        return LANGUAGES[0]
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        tag = tag.lower()
        if tag.startswith("zh"):
            choices.append((weight, -index, "zh-CN"))
        elif tag.startswith("en"):
            choices.append((weight, -index, "en"))
    choices = [c for c in choices if c[0] > 0]
    return max(choices)[2] if choices else LANGUAGES[0]


def count(n: int, lang: str, zh: str, one: str, other: str | None = None) -> str:
    """A number with what it counts: Chinese with its measure word ("1 位会员", "3 张对账单"), English singular for
    exactly one and plural otherwise (CLDR's English rule: "1 member", "0 members", "3 members")."""
    number = f"{n:,}"
    if lang == "en":
        return f"{number} {one if n == 1 else (other or one + 's')}"
    return f"{number} {zh}"


def word(key: str, lang: str) -> str:
    return WORDS.get(key, {}).get(lang, key)


def error_enums() -> list[type[ErrorCode]]:
    """Every ErrorCode enum, after importing each capability's `errors` module (they import only kit)."""
    import lianmeng

    for package in pkgutil.iter_modules(lianmeng.__path__, "lianmeng."):
        if package.ispkg and package.name != "lianmeng.web" and importlib.util.find_spec(f"{package.name}.errors"):
            importlib.import_module(f"{package.name}.errors")
    found: list[type[ErrorCode]] = []
    pending: list[type[ErrorCode]] = [ErrorCode]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if len(sub.__members__) > 0:
                found.append(sub)
    return found


_registry: dict[str, dict[str, str]] | None = None


def all_messages() -> dict[str, dict[str, str]]:
    """code → {"zh-CN": …, "en": …} for every code: the ErrorCode enums' and the rest of MESSAGES."""
    global _registry
    if _registry is None:
        registry = {code: dict(words) for code, words in MESSAGES.items()}
        for enum in error_enums():
            for member in enum:
                registry[member.value] = {"zh-CN": member.zh, "en": member.en}
        _registry = registry
    return _registry


def knows(code: str) -> bool:
    return code in all_messages()


def translate(code: str | ErrorCode, lang: str, **params: Any) -> str:
    if lang not in LANGUAGES:
        lang = LANGUAGES[0]
    if isinstance(code, ErrorCode):
        template = code.message(lang)
    else:
        known = all_messages()
        if code not in known:  # a bug, not the user's: said in the log, and loudly in tests
            log.error("no message for error code %r; answering with validation_error", code)
            if os.environ.get(STRICT_ENV) == "1":
                raise UnknownErrorCode(code)
        template = known.get(code, known["validation_error"])[lang]
    if "what" in params:
        params["what"] = word(str(params["what"]), lang)
    try:
        return template.format_map(_Blank(params)).strip()
    except (IndexError, ValueError):
        return template


class _Blank(dict[str, Any]):
    """Missing placeholders render empty instead of raising."""

    def __missing__(self, key: str) -> str:
        return ""
