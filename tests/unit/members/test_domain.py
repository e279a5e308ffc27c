"""Phone normalisation, the card's QR payload, birth years."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianmeng.members.domain import normalize_phone, parse_qr_payload, qr_message, valid_birth_year


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        " 13812345678 ",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138-1234-5678",
        "+8613812345678",
        "8613812345678",
        "008613812345678",
    ],
)
def test_accepts_mainland_mobiles_in_common_spellings(raw: str) -> None:
    assert normalize_phone(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["19912345678", "16612345678", "17012345678", "14512345678", "15012345678"])
def test_accepts_other_mobile_ranges(raw: str) -> None:
    assert normalize_phone(raw) == raw


@pytest.mark.parametrize(
    "raw",
    [
        "075512345678",  # Shenzhen landline
        "0755-1234-5678",
        "+86 755 1234 5678",
        "+1 650 253 0000",  # US
        "+852 9123 4567",  # Hong Kong mobile
        "12345678901",  # no such mobile range
        "11012345678",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "1381234567a",
        "13812345678abc",
        "abcdefghijk",
        "",
        "   ",
        "1" * 33,
        "+86 " + "1" * 30,
    ],
)
def test_rejects_what_is_not_a_mainland_mobile(raw: str) -> None:
    assert normalize_phone(raw) is None


@pytest.mark.parametrize("raw", ["138ABCD5678", "138-1234-ABCD"])
def test_rejects_vanity_letters(raw: str) -> None:
    assert normalize_phone(raw) is None


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_normalisation_is_idempotent(phone: str) -> None:
    normal = normalize_phone(phone)
    if normal is not None:
        assert normal == phone
        assert normalize_phone("+86 " + normal) == normal


def test_qr_message_round_trips_through_the_parser() -> None:
    message = qr_message("8860123456789012", 3)
    assert message == "LM1.8860123456789012.3"
    assert parse_qr_payload(f"{message}.c2lnbmF0dXJl") == ("8860123456789012", 3, "c2lnbmF0dXJl")
    assert parse_qr_payload(f"  {message}.sig\n") == ("8860123456789012", 3, "sig")


@given(
    st.from_regex(r"[0-9]{16}", fullmatch=True),
    st.integers(min_value=0, max_value=10**6),
    st.from_regex(r"[A-Za-z0-9_-]{1,22}", fullmatch=True),
)
def test_any_card_version_and_signature_round_trip(card: str, version: int, signature: str) -> None:
    assert parse_qr_payload(f"{qr_message(card, version)}.{signature}") == (card, version, signature)


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "LM1",
        "LM1.8860123456789012.1",  # no signature
        "LM1.8860123456789012.1.sig.extra",
        "LM2.8860123456789012.1.sig",
        "lm1.8860123456789012.1.sig",
        "LM1.8860123456789012.v1.sig",
        "LM1.8860123456789012.-1.sig",
        "LM1.8860123456789012..sig",
        "https://example.com/card/8860123456789012",
    ],
)
def test_malformed_payloads_parse_to_none(payload: str) -> None:
    assert parse_qr_payload(payload) is None


def test_superscript_version_is_malformed_not_a_crash() -> None:
    assert parse_qr_payload("LM1.8860123456789012.².sig") is None


def test_empty_card_or_signature_is_malformed() -> None:
    assert parse_qr_payload("LM1..1.") is None


@pytest.mark.parametrize(("year", "ok"), [(1899, False), (1900, True), (1990, True), (2026, True), (2027, False)])
def test_valid_birth_year(year: int, ok: bool) -> None:
    assert valid_birth_year(year, current_year=2026) is ok


def test_a_name_is_masked_to_its_first_character() -> None:
    from lianmeng.members.domain import mask_name

    assert mask_name("张三丰") == "张**"
    assert mask_name("王") == "王*"  # never the whole name, even a one-character one
    assert mask_name(" Li Lei ") == "L*****"
    assert mask_name(None) == mask_name("  ") == ""
