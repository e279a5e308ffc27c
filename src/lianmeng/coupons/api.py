from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["coupons 优惠券·权益"])
