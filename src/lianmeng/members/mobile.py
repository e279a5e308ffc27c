"""The member page (mobile): alliance card with QR, coupons, points, partners nearby, the claim landing."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
