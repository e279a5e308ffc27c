"""Who is calling: the bearer token or API key of a request, resolved through the per-process principal cache
(auth/principal_cache.py explains what is kept, for how long, and when it is forgotten)."""

from __future__ import annotations

import time

import jwt
from sqlalchemy.orm import Session

from lianmeng.auth import service as auth_service
from lianmeng.auth.principal_cache import CACHE
from lianmeng.config import get_settings
from lianmeng.tenancy import Principal

CACHED_KINDS = ("user", "api_key")


def _seconds_left(token: str) -> float:
    """How long the bearer token has left (0 when it cannot be read: then it is simply not kept)."""
    try:
        exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    except jwt.PyJWTError:
        return 0.0
    return float(exp) - time.time() if isinstance(exp, int | float) else 0.0


def principal_from_bearer(session: Session, token: str) -> Principal:
    ttl = get_settings().principal_cache_seconds
    if ttl <= 0:
        return auth_service.principal_from_bearer(session, token)
    key = f"bearer:{token}"
    found = CACHE.get(key)
    if found is not None:
        return found
    generation = CACHE.generation()
    principal = auth_service.principal_from_bearer(session, token)
    if principal.kind in CACHED_KINDS:
        left = ttl if principal.kind == "api_key" else min(ttl, _seconds_left(token))
        CACHE.put(key, principal, left, generation)
    return principal


def principal_from_api_key(session: Session, full_key: str) -> Principal:
    ttl = get_settings().principal_cache_seconds
    if ttl <= 0:
        return auth_service.principal_from_api_key(session, full_key)
    key = f"api-key:{full_key}"
    found = CACHE.get(key)
    if found is not None:
        return found
    generation = CACHE.generation()
    principal = auth_service.principal_from_api_key(session, full_key)
    CACHE.put(key, principal, ttl, generation)
    return principal
