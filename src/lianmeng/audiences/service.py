"""Audiences: use cases. (Foundation stub: `select_members` is the seam targeted offers build on.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from lianmeng.audiences.models import Audience
from lianmeng.members.domain import PENDING
from lianmeng.members.models import Member, Membership


def own_members(alliance_id: int, merchant_id: int) -> Select[Any]:
    """Ids of a merchant's OWN members: those it brought in (归属) or enrolled at it."""
    enrolled = exists().where(Membership.member_id == Member.id, Membership.merchant_id == merchant_id)
    return select(Member.id).where(Member.alliance_id == alliance_id, Member.status != PENDING,
                                   or_(Member.origin_merchant_id == merchant_id, enrolled))


def select_members(session: Session, audience: Audience) -> Select[Any]:
    """Ids of the audience's members now (its rules applied to the merchant's own members)."""
    return own_members(audience.alliance_id, audience.merchant_id)
