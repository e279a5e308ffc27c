"""Use cases of customer overlap."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from lianmeng.members.models import Membership
from lianmeng.overlap.domain import OverlapFigure, suppress


def merchant_overlap(session: Session, viewer_merchant_id: int, other_merchant_id: int) -> OverlapFigure:
    """Exact overlap of two merchants of one alliance: members holding a membership at both."""
    mine = aliased(Membership)
    theirs = aliased(Membership)
    base = session.scalar(select(func.count()).where(Membership.merchant_id == viewer_merchant_id)) or 0
    shared = session.scalar(
        select(func.count()).select_from(mine).join(theirs, theirs.member_id == mine.member_id)
        .where(mine.merchant_id == viewer_merchant_id, theirs.merchant_id == other_merchant_id)
    ) or 0
    return OverlapFigure(shared=suppress(shared), base=base, source="measured")
