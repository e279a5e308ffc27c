"""Roles, who may create which login, and the shape of bearer tokens and API keys."""

from __future__ import annotations

import hashlib
import re
import secrets

from lianmeng.kit.throttle import Rule
from lianmeng.kit.vocab import LabelledEnum, pairs


class Role(LabelledEnum):
    PLATFORM_ADMIN = "platform_admin", "平台管理员", "Platform admin"
    OPERATOR_ADMIN = "operator_admin", "盟主管理员", "Alliance operator admin"
    MERCHANT_ADMIN = "merchant_admin", "商户管理员", "Merchant admin"
    STORE_STAFF = "store_staff", "门店员工", "Store staff"
    INTEGRATION = "integration", "系统对接", "Integration (API key)"
    MEMBER = "member", "会员", "Member"


ROLE_LABELS: dict[Role, tuple[str, str]] = pairs(Role)

LOGIN_ROLES = (Role.PLATFORM_ADMIN, Role.OPERATOR_ADMIN, Role.MERCHANT_ADMIN, Role.STORE_STAFF)

# Who may create a login of which role (through the API; the CLI may create any).
CREATABLE_ROLES: dict[Role, frozenset[Role]] = {
    Role.PLATFORM_ADMIN: frozenset({Role.OPERATOR_ADMIN, Role.MERCHANT_ADMIN, Role.STORE_STAFF}),
    Role.OPERATOR_ADMIN: frozenset({Role.OPERATOR_ADMIN, Role.MERCHANT_ADMIN, Role.STORE_STAFF}),
    Role.MERCHANT_ADMIN: frozenset({Role.MERCHANT_ADMIN, Role.STORE_STAFF}),
}

API_KEY_PREFIX = "lmk_"


def new_api_key() -> tuple[str, str, str]:
    """(full key shown once, lookup prefix, sha256 of the key)."""
    prefix = API_KEY_PREFIX + secrets.token_hex(6)
    full = f"{prefix}.{secrets.token_urlsafe(32)}"
    return full, prefix, hash_secret(full)


def split_api_key(full: str) -> str | None:
    prefix, dot, rest = full.partition(".")
    if not dot or not prefix.startswith(API_KEY_PREFIX) or not rest:
        return None
    return prefix


def hash_secret(value: str) -> str:
    """For high-entropy secrets (API keys, one-time codes salted by member): SHA-256 suffices; argon2 is for
    human passwords."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_one_time_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


# --- throttles (docs/security.md): moving windows, counted per keyed hash of the identifier -------------------
# Wrong passwords. Only failures count, so a right password is never slowed by its own successes. The tightest
# lock a stranger can put on an account from one address lasts a minute; from many addresses, ten minutes.
LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = Rule.of("login-account-address", "5 per minute")
LOGIN_FAILURES_PER_ACCOUNT = Rule.of("login-account", "20 per 10 minutes")
LOGIN_FAILURES_PER_ADDRESS = Rule.of("login-address", "50 per 10 minutes")
# One-time codes sent: one a minute and five an hour per phone; per address enough for a shop's wifi.
CODE_SENDS_PER_PHONE = (Rule.of("otp-send-phone-minute", "1 per minute"), Rule.of("otp-send-phone-hour", "5 per hour"))
CODE_SENDS_PER_ADDRESS = (Rule.of("otp-send-address-minute", "10 per minute"),
                          Rule.of("otp-send-address-hour", "60 per hour"))
# Wrong codes: 5 burn one code (LIANMENG_OTP_MAX_ATTEMPTS); 10 an hour per phone across all its codes, so new
# codes do not buy new guesses: at most 10 guesses in 10^6 an hour.
CODE_FAILURES_PER_PHONE = Rule.of("otp-verify-phone", "10 per hour")
CODE_FAILURES_PER_ADDRESS = Rule.of("otp-verify-address", "100 per hour")

_DIGIT_RUN = re.compile(r"\d{4,8}")


def redact_code(body: str) -> str:
    """A message with its one-time code blanked out: '验证码为 123456' -> '验证码为 ******'."""
    return _DIGIT_RUN.sub(lambda m: "*" * len(m.group()), body)
