"""Links that leave the building: claim links, the QR codes printed on posters, links in outbound messages.

They use LIANMENG_PUBLIC_URL when it is set, so a poster printed from a console reached on an internal address
(http://10.0.0.5:8000) or through a proxy that rewrites Host still sends the public to the public address. When it is
unset, the request's own base URL is used (what the browser or client called), which is right for a single server
reached directly.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request

from lianmeng.config import get_settings


def public_base(request: Request) -> str:
    """The public base URL, without a trailing slash."""
    configured = get_settings().public_url
    return configured if configured else str(request.base_url).rstrip("/")


def claim_url(request: Request, token: str) -> str:
    """The address printed in claim QR codes and returned with claim links: it lands on the claim page."""
    return f"{public_base(request)}/claim/{quote(token, safe='')}"


def join_url(request: Request, token: str) -> str:
    """The address printed in join QR codes (recruiting): it lands on the phone-sized application page."""
    return f"{public_base(request)}/join/{quote(token, safe='')}"


def welcome_url(request: Request, token: str) -> str:
    """A one-time set-password link for a login made by an approved recruit."""
    return f"{public_base(request)}/welcome/{quote(token, safe='')}"
