from __future__ import annotations

from sqlalchemy.orm import Session

from lianmeng.alliances import repository
from lianmeng.alliances.models import Alliance
from lianmeng.alliances.schemas import AllianceCreate, AllianceUpdate
from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.kit.errors import Conflict
from lianmeng.tenancy import Principal, policy


def create_alliance(session: Session, actor: Principal, data: AllianceCreate) -> Alliance:
    policy.require_platform(actor)
    if repository.code_taken(session, data.code):
        raise Conflict("duplicate", what="alliance")
    alliance = Alliance(**data.model_dump())
    session.add(alliance)
    session.flush()
    audit.record(session, actor, AuditAction.ALLIANCE_CREATE, alliance.id, alliance_id=alliance.id,
                 after=data.model_dump())
    return alliance


def update_alliance(session: Session, actor: Principal, alliance_id: int, data: AllianceUpdate) -> Alliance:
    alliance = repository.get_alliance(session, actor, alliance_id)
    policy.require_operator(actor)
    changes = {field: value for field, value in data.model_dump(exclude_unset=True).items() if value is not None}
    before = {field: getattr(alliance, field) for field in changes}
    for field, value in changes.items():
        setattr(alliance, field, value)
    session.flush()
    audit.record(session, actor, AuditAction.ALLIANCE_UPDATE, alliance.id, alliance_id=alliance.id, before=before,
                 after=changes, only_changes=True)
    return alliance
