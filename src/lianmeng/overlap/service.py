"""Use cases of customer overlap."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from lianmeng.members.models import Membership
from lianmeng.overlap.domain import OverlapFigure, suppress
from lianmeng.prospects import service as prospects


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


def alliance_overlap(session: Session, merchant_id: int) -> OverlapFigure:
    """Of a merchant's members, how many also hold a membership at another merchant of the alliance."""
    mine = aliased(Membership)
    other = aliased(Membership)
    base = session.scalar(select(func.count()).where(Membership.merchant_id == merchant_id)) or 0
    shared = session.scalar(
        select(func.count(func.distinct(mine.member_id))).select_from(mine)
        .join(other, other.member_id == mine.member_id)
        .where(mine.merchant_id == merchant_id, other.merchant_id != merchant_id)
    ) or 0
    return OverlapFigure(shared=suppress(shared), base=base, source="measured")


def prospect_overlap(session: Session, candidate_id: int, viewer_merchant_id: int | None) -> OverlapFigure | None:
    """The latest result of a prospect's hashed upload for this candidate, against the viewer merchant's members
    (the alliance's, for the operator). None until the prospect has uploaded."""
    return prospects.figure(session, candidate_id, viewer_merchant_id)
