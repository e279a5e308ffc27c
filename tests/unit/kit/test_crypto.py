"""AES-GCM round trips, keyed lookup hashes, signatures and phone masking."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianmeng.config import get_settings
from lianmeng.kit import crypto
from lianmeng.kit.crypto import decrypt, derive_key, encrypt, lookup_hash, mask_phone, sign, verify


@pytest.mark.parametrize("plaintext", ["13812345678", "张三 深圳市南山区深南大道 1 号", "", "emoji 🎉"])
def test_encrypt_decrypt_round_trip(plaintext: str) -> None:
    token = encrypt(plaintext)
    assert plaintext not in token or plaintext == ""
    assert decrypt(token) == plaintext


@given(st.text(max_size=200))
def test_round_trip_any_text(plaintext: str) -> None:
    assert decrypt(encrypt(plaintext, "notes"), "notes") == plaintext


def test_same_plaintext_encrypts_differently_each_time() -> None:
    tokens = {encrypt("13812345678") for _ in range(20)}
    assert len(tokens) == 20


def _flipped(token: str, index: int, bit: int) -> str:
    """The ciphertext with one bit of its sealed bytes flipped (its key id prefix kept)."""
    prefix, body = token[:crypto.PREFIX_LENGTH], token[crypto.PREFIX_LENGTH:]
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[index] ^= bit
    return prefix + base64.urlsafe_b64encode(bytes(raw)).decode()


def test_tampered_ciphertext_is_refused() -> None:
    with pytest.raises(crypto.UnreadableCiphertext):
        decrypt(_flipped(encrypt("13812345678"), -1, 0x01))


def test_tampered_nonce_is_refused() -> None:
    with pytest.raises(crypto.UnreadableCiphertext):
        decrypt(_flipped(encrypt("13812345678"), 0, 0x80))


def test_wrong_purpose_cannot_decrypt() -> None:
    with pytest.raises(crypto.UnreadableCiphertext):
        decrypt(encrypt("13812345678", "pii"), "other")


def test_derive_key_differs_by_purpose_and_secret() -> None:
    assert len(derive_key("pii", "s1")) == 32
    assert derive_key("pii", "s1") == derive_key("pii", "s1")
    assert derive_key("pii", "s1") != derive_key("pii", "s2")
    assert derive_key("pii", "s1") != derive_key("phone-lookup", "s1")
    assert derive_key("pii") == derive_key("pii", get_settings().secret_key)


def test_lookup_hash_is_deterministic_and_differs_by_value_and_purpose() -> None:
    h = lookup_hash("13812345678")
    assert h == lookup_hash("13812345678")
    assert len(h) == 64 and int(h, 16) >= 0
    assert h != lookup_hash("13812345679")
    assert h != lookup_hash("13812345678", purpose="other-lookup")


def test_lookup_hash_differs_by_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    before = lookup_hash("13812345678")
    original: Callable[..., bytes] = derive_key

    def other_secret(purpose: str, secret: str | None = None) -> bytes:
        return original(purpose, "a-completely-different-master-secret")

    monkeypatch.setattr(crypto, "derive_key", other_secret)
    assert lookup_hash("13812345678") != before


def test_sign_and_verify() -> None:
    signature = sign("LM1.8860123456789012.1", "card-qr")
    assert verify("LM1.8860123456789012.1", signature, "card-qr")
    assert "=" not in signature and len(signature) == 22


@pytest.mark.parametrize(
    ("message", "purpose"),
    [("LM1.8860123456789012.2", "card-qr"), ("LM1.8860123456789013.1", "card-qr"), ("LM1.8860123456789012.1", "x")],
)
def test_signature_does_not_verify_another_message_or_purpose(message: str, purpose: str) -> None:
    signature = sign("LM1.8860123456789012.1", "card-qr")
    assert not verify(message, signature, purpose)


def test_modified_or_forged_signature_fails() -> None:
    message = "LM1.8860123456789012.1"
    signature = sign(message, "card-qr")
    first = "B" if signature[0] != "B" else "C"
    assert not verify(message, first + signature[1:], "card-qr")
    assert not verify(message, signature[:-1], "card-qr")
    assert not verify(message, "", "card-qr")
    assert not verify(message, "A" * 22, "card-qr")


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("+8613812345678", "138****5678"), ("123456", "******"), ("", ""), ("1", "*")],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mask_phone_hides_the_middle_four(phone: str) -> None:
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]
    if phone[3:7] != phone[-4:]:  # otherwise the last four shown are the same digits by coincidence
        assert phone[3:7] not in masked


@given(st.text(alphabet="0123456789", max_size=6))
def test_short_inputs_are_fully_masked(phone: str) -> None:
    assert mask_phone(phone) == "*" * len(phone)


@pytest.mark.parametrize("phone", ["1234567", "12345678", "123456789", "1234567890"])
def test_at_least_four_digits_stay_hidden(phone: str) -> None:
    shown = sum(ch.isdigit() for ch in mask_phone(phone))
    assert shown <= len(phone) - 4
