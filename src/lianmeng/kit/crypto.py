"""Personal data protection: AES-GCM encryption, keyed hashes for lookup, masking, signed QR payloads.

Keys are derived from the one master secret with HKDF, one key per purpose, so a leaked lookup hash
never helps decrypt, and rotating the master secret rotates all of them.

Key rotation (docs/operations-keys.md): a ciphertext names the key that sealed it ('k<key id>.'); a new master
secret becomes LIANMENG_SECRET_KEY and the old one moves to LIANMENG_RETIRED_SECRET_KEYS, where it still decrypts,
verifies and looks up until `lianmeng keys rotate` has moved every stored row to the current key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache
from typing import Any

import jwt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from jwt.types import Options

from lianmeng.config import get_settings

#: What `key_id_of` says of a ciphertext written before key ids existed (plain base64, no prefix).
LEGACY = "legacy"
KEY_ID_LENGTH = 8  # hex digits of the fingerprint: a handful of secrets over a deployment's life never collide
PREFIX_LENGTH = KEY_ID_LENGTH + 2  # "k" + key id + "."


class UnreadableCiphertext(ValueError):
    """A ciphertext no key on hand opens: a key id that names no current or retired key (tampered, or its secret
    dropped from LIANMENG_RETIRED_SECRET_KEYS too early), or bytes that fail authentication."""


def _master_secrets() -> tuple[str, ...]:
    """The current master secret first, then the retired ones (LIANMENG_RETIRED_SECRET_KEYS)."""
    settings = get_settings()
    return (settings.secret_key, *settings.retired_secrets)


@lru_cache(maxsize=128)
def _derive(purpose: str, secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"lianmeng", info=purpose.encode()).derive(secret.encode())


def derive_key(purpose: str, secret: str | None = None) -> bytes:
    """The key of one purpose, from `secret` or else the current master secret."""
    return _derive(purpose, secret or get_settings().secret_key)


@lru_cache(maxsize=128)
def fingerprint(key: bytes) -> str:
    """A key's id: a short hash of the derived key, so it names the key without revealing anything of it (and
    the master secret, one HKDF step further away, even less)."""
    return hashlib.sha256(b"lianmeng-key-id:" + key).hexdigest()[:KEY_ID_LENGTH]


def keyring(purpose: str) -> dict[str, bytes]:
    """Key id → key for this purpose: the current key first, then the retired ones."""
    keys = (_derive(purpose, secret) for secret in _master_secrets())
    return {fingerprint(key): key for key in keys}


def current_key_id(purpose: str = "pii") -> str:
    return fingerprint(derive_key(purpose))


def key_prefix(key_id: str) -> str:
    """How a ciphertext written with this key starts: 'k' + key id + '.' (base64 never holds a dot, so an old
    unprefixed ciphertext can never look like one)."""
    return f"k{key_id}."


def key_id_of(token: str) -> str:
    """The key id a ciphertext names, or LEGACY for one written before key ids."""
    if len(token) > PREFIX_LENGTH and token[0] == "k" and token[PREFIX_LENGTH - 1] == ".":
        return token[1:PREFIX_LENGTH - 1]
    return LEGACY


def is_current(token: str, purpose: str = "pii") -> bool:
    return key_id_of(token) == current_key_id(purpose)


def _associated_data(purpose: str, key_id: str) -> bytes:
    """The purpose and the key id are authenticated with the ciphertext: neither can be swapped unnoticed."""
    return f"{purpose}:{key_id}".encode()


def encrypt(plaintext: str, purpose: str = "pii") -> str:
    """AES-GCM with the current key; 'k<key id>.' + base64(nonce + ciphertext + tag)."""
    key = derive_key(purpose)
    key_id = fingerprint(key)
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), _associated_data(purpose, key_id))
    return key_prefix(key_id) + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str, purpose: str = "pii") -> str:
    """Opens a ciphertext with the key its id names (current or retired); an unprefixed one is tried with each
    key on hand, as it was written with whichever master secret was current then. Raises UnreadableCiphertext."""
    keys = keyring(purpose)
    key_id = key_id_of(token)
    try:
        if key_id == LEGACY:
            raw = base64.urlsafe_b64decode(token.encode())
            for key in keys.values():
                try:
                    return AESGCM(key).decrypt(raw[:12], raw[12:], purpose.encode()).decode()
                except InvalidTag:
                    continue
            raise UnreadableCiphertext("no key on hand opens this ciphertext")
        named = keys.get(key_id)
        if named is None:
            raise UnreadableCiphertext(f"no current or retired key has the id {key_id}")
        raw = base64.urlsafe_b64decode(token[PREFIX_LENGTH:].encode())
        return AESGCM(named).decrypt(raw[:12], raw[12:], _associated_data(purpose, key_id)).decode()
    except (InvalidTag, binascii.Error, UnicodeDecodeError):
        raise UnreadableCiphertext(f"the ciphertext does not authenticate under key {key_id}") from None


def lookup_hash(value: str, purpose: str = "phone-lookup") -> str:
    """Deterministic keyed hash (HMAC-SHA256) with the current key: equal inputs match, but it cannot be reversed
    by a dictionary of phone numbers without the secret. What is stored."""
    return hmac.new(derive_key(purpose), value.encode(), hashlib.sha256).hexdigest()


def lookup_hashes(value: str, purpose: str = "phone-lookup") -> tuple[str, ...]:
    """The value's keyed hash under the current key, then under each retired key: what a lookup searches for,
    since a row not yet rotated (docs/operations-keys.md) still holds its hash under a retired key."""
    return tuple(hmac.new(key, value.encode(), hashlib.sha256).hexdigest() for key in keyring(purpose).values())


def verification_keys(purpose: str) -> tuple[bytes, ...]:
    """The keys a signature or token of this purpose may have been made with: current, then retired."""
    return tuple(keyring(purpose).values())


def decode_jwt(token: str, purpose: str, options: Options | None = None) -> dict[str, Any]:
    """An HS256 token's claims, signed with the current key or a retired one (sessions and links issued before a
    key switch stay good until they expire). Raises jwt.PyJWTError like jwt.decode: an expired token is expired
    whichever key signed it; a bad signature only once no key on hand verifies it."""
    failure: jwt.PyJWTError = jwt.InvalidSignatureError("no key verifies the token")
    for key in verification_keys(purpose):
        try:
            claims: dict[str, Any] = jwt.decode(token, key, algorithms=["HS256"], options=options)
            return claims
        except jwt.InvalidSignatureError as error:
            failure = error
    raise failure


def _mac(key: bytes, message: str) -> str:
    mac = hmac.new(key, message.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def sign(message: str, purpose: str) -> str:
    return _mac(derive_key(purpose), message)


def verify(message: str, signature: str, purpose: str) -> bool:
    """True for a signature made with the current key or a retired one (a card printed before a rotation still
    scans)."""
    return any(hmac.compare_digest(_mac(key, message), signature) for key in verification_keys(purpose))


def mask_phone(phone: str) -> str:
    """'13812345678' -> '138****5678'."""
    if len(phone) < 11:
        return "*" * len(phone)  # not a normalised mobile number: show nothing of it
    digits = phone[-11:]
    return f"{digits[:3]}****{digits[-4:]}"


def mask_plate(plate: str) -> str:
    """'粤B12345' -> '粤B***45' (a new-energy '粤BD12345' too): the province and office, and the last two."""
    if len(plate) < 7:
        return "*" * len(plate)  # not a normalised plate: show nothing of it
    return f"{plate[:2]}***{plate[-2:]}"


def mask_vin(vin: str) -> str:
    """'LSVAU218XN2183294' -> 'LSV***3294': the maker's code and the last four of the serial."""
    if len(vin) != 17:
        return "*" * len(vin)
    return f"{vin[:3]}***{vin[-4:]}"
