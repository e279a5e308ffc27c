"""Pure rules of notifications: which kinds exist, who receives each, what a turned-off kind means, and what each
says in words (zh-CN, en). No session, clock or I/O.

* Staff (console logins) get **notifications** in the console's notification centre. A kind goes to the people
  its cause concerns: a merchant's admins for a proposal, a statement or a partner's use of its coupon; the payee
  for a withdrawal decision and a released rebate (a staff member's own login; a merchant's admins).
* Members get **messages** through the outbox senders (targeting/senders.py): a coupon received, points expiring
  within `EXPIRY_NOTICE_DAYS`, a rebate released to a promoter or guide who is also a member.
* Each person turns kinds off; a turned-off kind is neither created nor sent (`wanted`).
* A notification stores its kind and parameters, never its text: the centre says it in the reader's language.
  Parameters carry names and amounts only, never a customer's phone, hash or member id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum, StrEnum
from typing import Any

from lianmeng.auth.domain import Role

Pair = tuple[str, str]

#: Points expiring within this many days are announced to their member, once per expiry date.
EXPIRY_NOTICE_DAYS = 30


class StaffKind(StrEnum):
    PROPOSAL_RECEIVED = "proposal_received"
    STATEMENT_ISSUED = "statement_issued"
    WITHDRAWAL_DECIDED = "withdrawal_decided"
    COUPON_REDEEMED_AT_PARTNER = "coupon_redeemed_at_partner"
    REBATE_RELEASED = "rebate_released"


class MemberKind(StrEnum):
    COUPON_RECEIVED = "coupon_received"
    POINTS_EXPIRING = "points_expiring"
    REBATE_RELEASED = "rebate_released"


STAFF_KIND_LABELS: dict[StaffKind, Pair] = {
    StaffKind.PROPOSAL_RECEIVED: ("收到合作提议", "Proposal received"),
    StaffKind.STATEMENT_ISSUED: ("对账单已出", "Statement issued"),
    StaffKind.WITHDRAWAL_DECIDED: ("提现已处理", "Withdrawal decided"),
    StaffKind.COUPON_REDEEMED_AT_PARTNER: ("优惠券在伙伴处核销", "Coupon redeemed at a partner"),
    StaffKind.REBATE_RELEASED: ("返利已解冻", "Rebate released"),
}
MEMBER_KIND_LABELS: dict[MemberKind, Pair] = {
    MemberKind.COUPON_RECEIVED: ("收到优惠券", "Coupon received"),
    MemberKind.POINTS_EXPIRING: ("积分即将过期", "Points expiring soon"),
    MemberKind.REBATE_RELEASED: ("推广返利已到账", "Promotion rebate released"),
}


class Audience(Enum):
    """Who among a merchant's logins a kind goes to (never shown)."""

    MERCHANT_ADMINS = "merchant_admins"  # the merchant's admin logins (owner, managers)
    PAYEE = "payee"  # the one the money is for: a staff member's own login, or the merchant's admins


AUDIENCE: dict[StaffKind, Audience] = {
    StaffKind.PROPOSAL_RECEIVED: Audience.MERCHANT_ADMINS,
    StaffKind.STATEMENT_ISSUED: Audience.MERCHANT_ADMINS,
    StaffKind.COUPON_REDEEMED_AT_PARTNER: Audience.MERCHANT_ADMINS,
    StaffKind.WITHDRAWAL_DECIDED: Audience.PAYEE,
    StaffKind.REBATE_RELEASED: Audience.PAYEE,
}


@dataclass(frozen=True)
class Login:
    """A console login that might receive a notification."""

    user_id: int
    role: Role
    merchant_id: int | None
    staff_id: int | None
    active: bool = True


def recipients(kind: StaffKind, logins: Iterable[Login], *, merchant_id: int | None, staff_id: int | None = None,
               opted_out: Iterable[tuple[int, str]] = ()) -> list[int]:
    """The user ids that receive `kind` about `merchant_id` (or, for a payee that is a staff member, `staff_id`):
    active logins only, without those who turned the kind off. Sorted, each once."""
    off = {(user_id, str(k)) for user_id, k in opted_out}
    chosen: set[int] = set()
    for login in logins:
        if not login.active or (login.user_id, kind.value) in off:
            continue
        if AUDIENCE[kind] is Audience.PAYEE and staff_id is not None:
            if login.staff_id == staff_id:
                chosen.add(login.user_id)
        elif login.role is Role.MERCHANT_ADMIN and merchant_id is not None and login.merchant_id == merchant_id:
            chosen.add(login.user_id)
    return sorted(chosen)


def wanted(kind: str, turned_off: Iterable[str]) -> bool:
    """A kind is created or sent unless its person turned it off."""
    return kind not in set(turned_off)


def proposal_recipient(merchant_a_id: int | None, merchant_b_id: int | None, offered_by_proposer: bool) -> int | None:
    """The merchant an offer on the table is addressed to: the counterparty for the proposer's offer, the proposer
    for a counter-offer; None for an alliance-wide agreement (no merchant on the other side)."""
    if merchant_a_id is None or merchant_b_id is None:
        return None
    return merchant_b_id if offered_by_proposer else merchant_a_id


def proposal_variant(*, countered: bool, by_operator: bool) -> str:
    """Which sentence tells of an offer: a counter-offer (only ever a merchant's), a proposal the operator made on
    the proposing merchant's behalf, or the merchant's own proposal."""
    if countered:
        return "counter"
    return "propose_for" if by_operator else "propose"


def partner_recipients(redeeming_merchant_id: int, owner_merchant_id: int | None,
                       referrer_merchant_id: int | None) -> list[int]:
    """The merchants told that a coupon was used at a partner: its issuing merchant and the merchant that handed it
    out, each unless it is where the coupon was used."""
    return sorted({m for m in (owner_merchant_id, referrer_merchant_id)
                   if m is not None and m != redeeming_merchant_id})


def expiry_batch(expires_at_local: date) -> str:
    """The key of one expiry batch: a member hears once about the points expiring on one (Shanghai) day."""
    return f"points:{expires_at_local.isoformat()}"


def expiry_window(now: datetime) -> tuple[datetime, datetime]:
    return now, now + timedelta(days=EXPIRY_NOTICE_DAYS)


# --- the words --------------------------------------------------------------------------------------------------

def _yuan(fen: Any) -> str:
    value = int(fen or 0)
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}¥{value // 100:,}.{value % 100:02d}"


_STAFF_TEXT: dict[StaffKind, dict[str, Pair]] = {
    StaffKind.PROPOSAL_RECEIVED: {
        "propose": ("{partner} 向您提议合作协议「{title}」,请查看并答复",
                    "{partner} proposed the agreement “{title}” to you: review and answer it"),
        "propose_for": ("盟主代 {partner} 向您提议合作协议「{title}」,请查看并答复",
                        "The operator proposed the agreement “{title}” to you on {partner}'s behalf: review and "
                        "answer it"),
        "counter": ("{partner} 对协议「{title}」提出了新条款(还价),请查看并答复",
                    "{partner} counter-offered new terms on “{title}”: review and answer them"),
    },
    StaffKind.STATEMENT_ISSUED: {
        "": ("{period} 对账单已出:净额 {net},请核对确认", "Your statement for {period} is issued: net {net}; "
             "check and confirm it"),
    },
    StaffKind.WITHDRAWAL_DECIDED: {
        "approved": ("您的提现申请 {amount} 已批准,等待打款", "Your withdrawal of {amount} was approved; payment "
                     "follows"),
        "rejected": ("您的提现申请 {amount} 被拒绝:{reason}", "Your withdrawal of {amount} was rejected: {reason}"),
        "paid": ("您的提现 {amount} 已打款", "Your withdrawal of {amount} was paid"),
    },
    StaffKind.COUPON_REDEEMED_AT_PARTNER: {
        "": ("您的优惠券「{coupon}」在合作伙伴 {partner} 核销了一张", "Your coupon “{coupon}” was used at your partner "
             "{partner}"),
    },
    StaffKind.REBATE_RELEASED: {
        "": ("返利 {amount} 已解冻,可申请提现", "A rebate of {amount} is released: you may withdraw it"),
    },
}

_MEMBER_TEXT: dict[MemberKind, Pair] = {
    MemberKind.COUPON_RECEIVED: ("【联盟】您收到一张优惠券「{coupon}」({merchant}),有效期至 {until}。",
                                 "[Lianmeng] You received the coupon “{coupon}” ({merchant}), valid until {until}."),
    MemberKind.POINTS_EXPIRING: ("【联盟】您有 {points} 积分将于 {date} 过期,可在联盟任一商户使用。",
                                 "[Lianmeng] {points} of your points expire on {date}: spend them at any alliance "
                                 "merchant."),
    MemberKind.REBATE_RELEASED: ("【联盟】您的推广返利 {amount} 已解冻,可申请提现。",
                                 "[Lianmeng] Your promotion rebate of {amount} is released: you may withdraw it."),
}


def _fill(template: str, params: Mapping[str, Any], lang: str) -> str:
    shown = {key: value for key, value in params.items()}
    for key in ("amount_fen", "net_fen"):
        if key in shown:
            shown[key.removesuffix("_fen")] = _yuan(shown[key])
    if "status_label" in shown and isinstance(shown["status_label"], list | tuple):
        shown["status"] = shown["status_label"][1 if lang == "en" else 0]
    return template.format_map(_Blank(shown))


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def staff_text(kind: str, params: Mapping[str, Any], lang: str) -> str:
    """What a notification says, in the reader's language. `params["variant"]` picks the sentence of a kind that has
    several (a proposal, one the operator made on the proposer's behalf, or a counter-offer; an approval, a
    rejection or a payment)."""
    try:
        texts = _STAFF_TEXT[StaffKind(kind)]
    except ValueError:
        return kind_label(kind, lang)
    pair = texts.get(str(params.get("variant", "")), next(iter(texts.values())))
    return _fill(pair[1] if lang == "en" else pair[0], params, lang)


def member_body(kind: MemberKind, params: Mapping[str, Any], lang: str = "zh-CN") -> str:
    """A member's message: Chinese by default (an SMS in China), its parameters names, amounts and dates only."""
    pair = _MEMBER_TEXT[kind]
    return _fill(pair[1] if lang == "en" else pair[0], params, lang)


def kind_label(kind: str, lang: str, *, member: bool = False) -> str:
    """A kind in words; `member`: the member's kinds (a rebate released reads differently to a member)."""
    tables: tuple[dict[Any, Pair], ...] = (MEMBER_KIND_LABELS,) if member else (STAFF_KIND_LABELS,)
    for table in tables:
        for code, pair in table.items():
            if code.value == kind:
                return pair[1] if lang == "en" else pair[0]
    return kind
