"""API keys, one-time codes and who may create which login."""

from __future__ import annotations

import hashlib
import re
import secrets

import pytest

from lianmeng.auth.domain import (
    API_KEY_PREFIX,
    CREATABLE_ROLES,
    LOGIN_ROLES,
    ROLE_LABELS,
    Role,
    hash_secret,
    new_api_key,
    new_one_time_code,
    split_api_key,
)


def test_new_api_key_shape() -> None:
    full, prefix, digest = new_api_key()
    assert API_KEY_PREFIX == "lmk_"
    assert re.fullmatch(r"lmk_[0-9a-f]{12}", prefix)
    assert full.startswith(prefix + ".")
    assert len(full) > len(prefix) + 40
    assert split_api_key(full) == prefix
    assert digest == hash_secret(full) == hashlib.sha256(full.encode()).hexdigest()


def test_api_keys_are_unique() -> None:
    keys = [new_api_key() for _ in range(50)]
    assert len({full for full, _, _ in keys}) == 50
    assert len({prefix for _, prefix, _ in keys}) == 50


def test_hash_secret_is_stable() -> None:
    assert hash_secret("123456") == hash_secret("123456")
    assert hash_secret("123456") == "8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92"
    assert hash_secret("123456") != hash_secret("123457")


@pytest.mark.parametrize(
    "token",
    ["", "lmk_abc", "lmk_abc.", "abc.def", ".secret", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "LMK_abc.def"],
)
def test_split_api_key_rejects_malformed(token: str) -> None:
    assert split_api_key(token) is None


def test_split_api_key_keeps_dots_in_the_secret() -> None:
    assert split_api_key("lmk_0123456789ab.se.cret") == "lmk_0123456789ab"


def test_one_time_code_is_six_digits() -> None:
    for _ in range(50):
        code = new_one_time_code()
        assert len(code) == 6 and code.isdigit()


def test_one_time_code_keeps_leading_zeros(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "randbelow", lambda n: 42)
    assert new_one_time_code() == "000042"


def test_store_staff_can_create_nothing() -> None:
    assert CREATABLE_ROLES.get(Role.STORE_STAFF, frozenset()) == frozenset()
    assert Role.STORE_STAFF not in CREATABLE_ROLES


def test_merchant_admin_cannot_create_operators() -> None:
    assert CREATABLE_ROLES[Role.MERCHANT_ADMIN] == {Role.MERCHANT_ADMIN, Role.STORE_STAFF}
    assert Role.OPERATOR_ADMIN not in CREATABLE_ROLES[Role.MERCHANT_ADMIN]


def test_nobody_creates_platform_admins_integrations_or_members_through_the_api() -> None:
    for creatable in CREATABLE_ROLES.values():
        assert not creatable & {Role.PLATFORM_ADMIN, Role.INTEGRATION, Role.MEMBER}
        assert creatable <= set(LOGIN_ROLES)


def test_every_role_has_both_labels() -> None:
    assert set(ROLE_LABELS) == set(Role)
