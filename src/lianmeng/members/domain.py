"""Pure rules for members: phone normalisation, the card's signed QR payload, ages."""

from __future__ import annotations

import re

import phonenumbers

from lianmeng.kit.vocab import LabelledEnum


class Gender(LabelledEnum):
    FEMALE = "female", "女", "Female"
    MALE = "male", "男", "Male"
    OTHER = "other", "其他", "Another gender"
    UNDISCLOSED = "undisclosed", "未填写", "Not given"


class MemberStatus(LabelledEnum):
    ACTIVE = "active", "正常", "Active"
    BLOCKED = "blocked", "已停用", "Blocked"


class Tier(LabelledEnum):
    """The alliance's standard membership tiers (`memberships.tier`). A merchant may also type its own tier name
    (up to 40 characters): pages show such a name as typed."""

    STANDARD = "standard", "普通会员", "Standard"
    SILVER = "silver", "银卡会员", "Silver"
    GOLD = "gold", "金卡会员", "Gold"
    BLACK = "black", "黑卡会员", "Black"


# A phone someone asked a claim code for, not yet proved by its holder (待验证). The row holds only what sending
# the code needs (the encrypted phone and its keyed hash): no name, no consent, no origin, no coupon. It is nobody's
# member (tenancy hides it), it becomes an active member when the code is verified with the holder's consent, and the
# jobs delete it after UNCONFIRMED_HOURS. Not a MemberStatus: nobody can set it or filter by it.
PENDING = "pending"
UNCONFIRMED_HOURS = 24


QR_PREFIX = "LM1"
_PHONE_CHARS = re.compile(r"^[0-9+\-() ]+$")


def normalize_phone(raw: str) -> str | None:
    """A mainland China mobile number as 11 digits, or None if it is not one.

    Accepts '13812345678', '138 1234 5678', '+86 138-1234-5678', '8613812345678'."""
    text = raw.strip()
    if not text or len(text) > 32 or not _PHONE_CHARS.match(text):
        return None  # letters would be read as keypad digits; extensions are not mobile numbers
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        return None
    if phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    national = str(parsed.national_number)
    return national if len(national) == 11 and national.startswith("1") else None


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def qr_message(card_no: str, version: int) -> str:
    return f"{QR_PREFIX}.{card_no}.{version}"


def parse_qr_payload(payload: str) -> tuple[str, int, str] | None:
    """'LM1.<card>.<version>.<signature>' -> (card, version, signature); None when malformed."""
    parts = payload.strip().split(".")
    if len(parts) != 4 or parts[0] != QR_PREFIX or not _ascii_digits(parts[2]) or not parts[1] or not parts[3]:
        return None
    return parts[1], int(parts[2]), parts[3]


def valid_birth_year(year: int, current_year: int) -> bool:
    return 1900 <= year <= current_year


def mask_name(name: str | None) -> str:
    """A name as a merchant that does not serve the member sees it at its counter: the first character, the rest
    starred (张三丰 → 张**, Li Lei → L*****); '' for none."""
    text = (name or "").strip()
    if not text:
        return ""
    return text[0] + "*" * max(len(text) - 1, 1)
