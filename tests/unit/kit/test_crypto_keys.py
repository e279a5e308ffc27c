"""Key ids on ciphertexts, retired master secrets (decrypt, look up, verify, JWTs), tampered key ids refused."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lianmeng.config import Settings, get_settings
from lianmeng.kit import clock, crypto

OLD = "the-old-master-secret-0123456789abcdef"
NEW = "the-new-master-secret-fedcba9876543210"
PHONE = "13812345678"

Switch = Callable[[str, str], None]


@pytest.fixture
def switch(monkeypatch: pytest.MonkeyPatch) -> Iterator[Switch]:
    """Set the current and retired master secrets as the environment would (settings re-read)."""

    def to(current: str, retired: str = "") -> None:
        monkeypatch.setenv("LIANMENG_SECRET_KEY", current)
        monkeypatch.setenv("LIANMENG_RETIRED_SECRET_KEYS", retired)
        get_settings.cache_clear()

    yield to
    monkeypatch.undo()
    get_settings.cache_clear()


def _legacy_encrypt(plaintext: str, secret: str, purpose: str = "pii") -> str:
    """A ciphertext as written before key ids: base64(nonce + sealed), the purpose as associated data."""
    nonce = os.urandom(12)
    sealed = AESGCM(crypto.derive_key(purpose, secret)).encrypt(nonce, plaintext.encode(), purpose.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def test_a_ciphertext_names_the_current_key(switch: Switch) -> None:
    switch(NEW)
    token = crypto.encrypt(PHONE)
    key_id = crypto.current_key_id("pii")
    assert token.startswith(f"k{key_id}.") and crypto.key_id_of(token) == key_id
    assert len(key_id) == crypto.KEY_ID_LENGTH and crypto.is_current(token)
    assert PHONE not in token and crypto.decrypt(token) == PHONE


def test_a_key_id_is_a_fingerprint_per_purpose_and_secret_never_the_key() -> None:
    ids = {crypto.fingerprint(crypto.derive_key(p, s)) for p in ("pii", "phone-lookup") for s in (OLD, NEW)}
    assert len(ids) == 4
    for purpose in ("pii", "phone-lookup"):
        key = crypto.derive_key(purpose, NEW)
        assert crypto.fingerprint(key) not in key.hex() and crypto.fingerprint(key) not in NEW


def test_retired_keys_still_decrypt_but_nothing_new_is_sealed_with_them(switch: Switch) -> None:
    switch(OLD)
    before = crypto.encrypt(PHONE)
    old_id = crypto.current_key_id()
    switch(NEW, OLD)
    assert crypto.key_id_of(before) == old_id and not crypto.is_current(before)
    assert crypto.decrypt(before) == PHONE
    after = crypto.encrypt(PHONE)
    assert crypto.key_id_of(after) == crypto.current_key_id() != old_id
    switch(NEW)  # the retired secret dropped: what it sealed no longer opens
    with pytest.raises(crypto.UnreadableCiphertext, match=old_id):
        crypto.decrypt(before)
    assert crypto.decrypt(after) == PHONE


def test_legacy_unprefixed_ciphertexts_open_with_the_current_or_a_retired_key(switch: Switch) -> None:
    legacy = _legacy_encrypt(PHONE, OLD)
    assert crypto.key_id_of(legacy) == crypto.LEGACY
    switch(OLD)
    assert crypto.decrypt(legacy) == PHONE
    switch(NEW, OLD)
    assert crypto.decrypt(legacy) == PHONE and not crypto.is_current(legacy)
    switch(NEW)
    with pytest.raises(crypto.UnreadableCiphertext):
        crypto.decrypt(legacy)


def test_a_tampered_key_id_is_refused(switch: Switch) -> None:
    switch(OLD)
    old_token = crypto.encrypt(PHONE)
    switch(NEW, OLD)
    new_token = crypto.encrypt(PHONE)
    body = old_token[crypto.PREFIX_LENGTH:]
    for forged in (crypto.key_prefix(crypto.current_key_id()) + body,  # another key on hand: fails authentication
                   crypto.key_prefix("0badc0de") + body,  # no such key
                   crypto.key_prefix(crypto.key_id_of(old_token)) + new_token[crypto.PREFIX_LENGTH:],
                   body[:-2] + "!!"):
        with pytest.raises(crypto.UnreadableCiphertext):
            crypto.decrypt(forged)


def test_lookup_hashes_search_the_current_then_the_retired_keys(switch: Switch) -> None:
    switch(OLD)
    old_hash = crypto.lookup_hash(PHONE)
    switch(NEW, OLD)
    hashes = crypto.lookup_hashes(PHONE)
    assert hashes == (crypto.lookup_hash(PHONE), old_hash) and hashes[0] != old_hash
    switch(NEW)
    assert crypto.lookup_hashes(PHONE) == (crypto.lookup_hash(PHONE),)


def test_signatures_and_tokens_made_with_a_retired_key_still_verify(switch: Switch) -> None:
    switch(OLD)
    signature = crypto.sign("LM1.8860123456789012.1", "card-qr")
    claims = {"sub": "user:1", "exp": clock.now() + timedelta(hours=1)}
    token = jwt.encode(claims, crypto.derive_key("bearer-tokens"), algorithm="HS256")
    expired = jwt.encode({**claims, "exp": clock.now() - timedelta(hours=1)}, crypto.derive_key("bearer-tokens"),
                         algorithm="HS256")
    switch(NEW, OLD)
    assert crypto.verify("LM1.8860123456789012.1", signature, "card-qr")
    assert crypto.decode_jwt(token, "bearer-tokens")["sub"] == "user:1"
    with pytest.raises(jwt.ExpiredSignatureError):
        crypto.decode_jwt(expired, "bearer-tokens")
    switch(NEW)
    assert not crypto.verify("LM1.8860123456789012.1", signature, "card-qr")
    with pytest.raises(jwt.InvalidSignatureError):
        crypto.decode_jwt(token, "bearer-tokens")


def test_retired_secrets_are_read_comma_separated_without_blanks_or_the_current_one() -> None:
    settings = Settings(secret_key=NEW, retired_secret_keys=f" {OLD} ,, {NEW}, {OLD},other ")
    assert settings.retired_secrets == (OLD, "other")
    assert Settings(secret_key=NEW).retired_secrets == ()
