"""The withdrawal status flow, pure: requested → approved → paid, or requested/approved → rejected."""

from __future__ import annotations

import re

from lianmeng.kit.vocab import LabelledEnum, pairs


class WithdrawalStatus(LabelledEnum):
    REQUESTED = "requested", "待审核", "Requested"
    APPROVED = "approved", "已批准,待打款", "Approved, to be paid"
    REJECTED = "rejected", "已拒绝", "Rejected"
    PAID = "paid", "已打款", "Paid"


class Decision(LabelledEnum):
    APPROVE = "approve", "批准", "Approve"
    REJECT = "reject", "拒绝", "Reject"
    PAY = "pay", "确认已打款", "Mark paid"


FLOW: dict[tuple[WithdrawalStatus, Decision], WithdrawalStatus] = {
    (WithdrawalStatus.REQUESTED, Decision.APPROVE): WithdrawalStatus.APPROVED,
    (WithdrawalStatus.REQUESTED, Decision.REJECT): WithdrawalStatus.REJECTED,
    (WithdrawalStatus.APPROVED, Decision.REJECT): WithdrawalStatus.REJECTED,
    (WithdrawalStatus.APPROVED, Decision.PAY): WithdrawalStatus.PAID,
}


def next_status(status: WithdrawalStatus, decision: Decision) -> WithdrawalStatus | None:
    return FLOW.get((status, decision))


def check_request(amount_fen: int, minimum_fen: int, fee_fen: int) -> str | None:
    """The refusal code for a request, or None when it may be made."""
    if amount_fen <= 0:
        return "amount_not_positive"
    if amount_fen < minimum_fen:
        return "withdrawal_below_minimum"
    if fee_fen >= amount_fen:
        return "withdrawal_below_fee"
    return None


class PayoutMethod(LabelledEnum):
    """Where a withdrawal is paid to."""

    WECHAT_PAY = "wechat_pay", "微信支付", "WeChat Pay"
    ALIPAY = "alipay", "支付宝", "Alipay"
    BANK_CARD = "bank_card", "银行卡", "Bank card"


PAYOUT_METHOD_LABELS: dict[PayoutMethod, tuple[str, str]] = pairs(PayoutMethod)

_MOBILE = re.compile(r"^1\d{10}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_WECHAT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{5,19}$")
_CARD = re.compile(r"^\d{12,19}$")


def normalise_account(method: PayoutMethod, account: str) -> str | None:
    """The account as stored (spaces and dashes of a card or phone dropped), or None when it is not one: a bank
    card is 12–19 digits; an Alipay account a mobile number or an e-mail address; a WeChat Pay account a mobile
    number or a WeChat ID (a letter, then 5–19 letters, digits, _ or -)."""
    text = account.strip()
    compact = re.sub(r"[\s-]", "", text)
    if method is PayoutMethod.BANK_CARD:
        return compact if _CARD.match(compact) else None
    if _MOBILE.match(compact):
        return compact
    if method is PayoutMethod.ALIPAY:
        return text.lower() if _EMAIL.match(text) else None
    return text if _WECHAT_ID.match(text) else None


def mask_account(method: PayoutMethod, account: str) -> str:
    """What pages and lists show: a card's first four and last four digits (6222 **** 1234), a mobile number as
    138****5678, an e-mail's first letter and domain (a***@example.com), a WeChat ID's first two and last two."""
    if method is PayoutMethod.BANK_CARD:
        return f"{account[:4]} **** {account[-4:]}"
    if _MOBILE.match(account):
        return f"{account[:3]}****{account[-4:]}"
    if "@" in account:
        name, _, domain = account.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"{account[:2]}****{account[-2:]}"
