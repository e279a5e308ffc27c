from __future__ import annotations

from sqlalchemy.orm import Session

from lianmeng.alliances import repository
from lianmeng.alliances.models import Alliance
from lianmeng.alliances.schemas import AllianceCreate, AllianceUpdate
from lianmeng.kit.errors import Conflict
from lianmeng.tenancy import Principal, policy


def create_alliance(session: Session, actor: Principal, data: AllianceCreate) -> Alliance:
    policy.require_platform(actor)
    if repository.code_taken(session, data.code):
        raise Conflict("duplicate", what="alliance")
    alliance = Alliance(**data.model_dump())
    session.add(alliance)
    session.flush()
    return alliance


def update_alliance(session: Session, actor: Principal, alliance_id: int, data: AllianceUpdate) -> Alliance:
    alliance = repository.get_alliance(session, actor, alliance_id)
    policy.require_operator(actor)
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(alliance, field, value)
    session.flush()
    return alliance
