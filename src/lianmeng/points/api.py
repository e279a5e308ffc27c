from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lianmeng.kit.pagination import Page, page_of
from lianmeng.members import repository as members_repo
from lianmeng.merchants import repository as merchants_repo
from lianmeng.points import repository, service
from lianmeng.points.schemas import GrantOut, PointsRuleIn, PointsRuleOut
from lianmeng.tenancy import policy
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep

router = APIRouter(tags=["points 联盟积分"])


@router.get("/members/{member_id}/points-grants", response_model=Page[GrantOut],
            summary="A member's points lots: issuer, what remains, when they expire")
def grants(member_id: int, session: SessionDep, principal: CurrentPrincipal, paging: Paging) -> Page[GrantOut]:
    member = members_repo.get_member(session, principal, member_id)
    return page_of(session, repository.grants_of(member.id), paging, GrantOut)


@router.get("/merchants/{merchant_id}/points-rule", response_model=PointsRuleOut)
def get_rule(merchant_id: int, session: SessionDep, principal: CurrentPrincipal) -> PointsRuleOut:
    merchant = merchants_repo.get_merchant(session, principal, merchant_id)
    row = repository.rule_of(session, merchant.alliance_id, merchant.id)
    return PointsRuleOut.model_validate(row) if row else PointsRuleOut(merchant_id=merchant.id)


@router.put("/merchants/{merchant_id}/points-rule", response_model=PointsRuleOut,
            summary="Set how many points this merchant's customers earn")
def set_rule(merchant_id: int, body: PointsRuleIn, writer: WriterDep) -> JSONResponse:
    def act() -> PointsRuleOut:
        merchant = merchants_repo.get_merchant(writer.session, writer.principal, merchant_id)
        policy.require_manages(writer.principal, merchant.id)
        return PointsRuleOut.model_validate(service.set_rule(writer.session, merchant.alliance_id, merchant.id, body))

    return writer.run(act, body)
