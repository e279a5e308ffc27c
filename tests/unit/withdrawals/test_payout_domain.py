"""Payout account numbers: what counts as one for each method, and how it is masked (never more than 8 digits of a
card, 7 of a phone)."""

from __future__ import annotations

import pytest

from lianmeng.withdrawals.domain import PAYOUT_METHOD_LABELS, PayoutMethod, mask_account, normalise_account

CARD, WECHAT, ALIPAY = PayoutMethod.BANK_CARD, PayoutMethod.WECHAT_PAY, PayoutMethod.ALIPAY


@pytest.mark.parametrize(("method", "typed", "stored", "masked"), [
    (CARD, "6222 0212 3456 7890 123", "6222021234567890123", "6222 **** 0123"),
    (CARD, "6222-0212-3456", "622202123456", "6222 **** 3456"),
    (WECHAT, "138 0013 8000", "13800138000", "138****8000"),
    (WECHAT, "wang_fang-88", "wang_fang-88", "wa****88"),
    (ALIPAY, "13800138000", "13800138000", "138****8000"),
    (ALIPAY, "Wang.Fang@Example.com", "wang.fang@example.com", "w***@example.com"),
])
def test_accounts_are_normalised_and_masked(method: PayoutMethod, typed: str, stored: str, masked: str) -> None:
    assert normalise_account(method, typed) == stored
    assert mask_account(method, stored) == masked


@pytest.mark.parametrize(("method", "typed"), [
    (CARD, "12345678901"), (CARD, "62220212345678901234"), (CARD, "6222abcd12345678"),
    (WECHAT, "wang@example.com"), (WECHAT, "8wangfang"), (WECHAT, "wf"), (WECHAT, "23800138000"),
    (ALIPAY, "wang_fang"), (ALIPAY, "1380013800"),
])
def test_what_is_not_an_account_is_refused(method: PayoutMethod, typed: str) -> None:
    assert normalise_account(method, typed) is None


def test_every_method_has_both_labels() -> None:
    assert set(PAYOUT_METHOD_LABELS) == set(PayoutMethod)
    assert all(zh and en and zh != en for zh, en in PAYOUT_METHOD_LABELS.values())
