from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps


class Alliance(Timestamps, Base):
    __tablename__ = "alliances"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(60), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    points_per_yuan_value: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    points_expiry_months: Mapped[int] = mapped_column(Integer, default=12, server_default="12")
    withdrawal_min_fen: Mapped[int] = mapped_column(Integer, default=1000, server_default="1000")
    withdrawal_fee_fen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # who is credited with a referral: first_touch (within the window) | last_touch | registration (bound for good)
    attribution_rule: Mapped[str] = mapped_column(String(20), default="first_touch", server_default="first_touch")
    attribution_window_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
