"""Personal data protection: AES-GCM encryption, keyed hashes for lookup, masking, signed QR payloads.

Keys are derived from the one master secret with HKDF, one key per purpose, so a leaked lookup hash
never helps decrypt, and rotating the master secret rotates all of them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lianmeng.config import get_settings


@lru_cache(maxsize=32)
def derive_key(purpose: str, secret: str | None = None) -> bytes:
    master = (secret or get_settings().secret_key).encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"lianmeng", info=purpose.encode()).derive(master)


def encrypt(plaintext: str, purpose: str = "pii") -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(derive_key(purpose)).encrypt(nonce, plaintext.encode(), purpose.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str, purpose: str = "pii") -> str:
    raw = base64.urlsafe_b64decode(token.encode())
    return AESGCM(derive_key(purpose)).decrypt(raw[:12], raw[12:], purpose.encode()).decode()


def lookup_hash(value: str, purpose: str = "phone-lookup") -> str:
    """Deterministic keyed hash (HMAC-SHA256): equal inputs match, but it cannot be reversed by a dictionary
    of phone numbers without the secret."""
    return hmac.new(derive_key(purpose), value.encode(), hashlib.sha256).hexdigest()


def sign(message: str, purpose: str) -> str:
    mac = hmac.new(derive_key(purpose), message.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def verify(message: str, signature: str, purpose: str) -> bool:
    return hmac.compare_digest(sign(message, purpose), signature)


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
