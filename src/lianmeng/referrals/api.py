from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["referrals 引流·漏斗·榜单"])
