"""API of ownership (归属) and the claimable pool (客户池)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lianmeng.kit.pagination import Page, page_of
from lianmeng.ownership import repository, service
from lianmeng.ownership.schemas import (
    AssignIn,
    AssignOut,
    ClaimIn,
    ClaimStateOut,
    HandOverIn,
    HandOverOut,
    OverviewOut,
    OwnerOut,
    PeriodOut,
    PoolMember,
    SettingsIn,
    SettingsOut,
    StaffLoadOut,
)
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep
from lianmeng.web.openapi import may_answer

router = APIRouter(prefix="/ownership", tags=["ownership 归属与客户池"])


def _settings_out(terms: service.Terms) -> SettingsOut:
    return SettingsOut(merchant_id=terms.merchant_id, daily_claim_limit=terms.daily_claim_limit,
                       idle_days=terms.idle_days)


@router.get("/settings", response_model=SettingsOut, summary="The caller's merchant's pool terms")
def get_settings(session: SessionDep, principal: CurrentPrincipal) -> SettingsOut:
    return _settings_out(service.terms(session, principal))


@router.put("/settings", response_model=SettingsOut, responses=may_answer(403, 422),
            summary="Merchant admin: the daily claim limit per staff member and the idle days")
def put_settings(body: SettingsIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: _settings_out(service.set_terms(writer.session, writer.principal, body)), body)


@router.get("/overview", response_model=OverviewOut, summary="Merchant admin: members owned per staff, the pool")
def overview(session: SessionDep, principal: CurrentPrincipal) -> OverviewOut:
    seen = service.overview(session, principal)
    return OverviewOut(merchant_id=seen.merchant_id, pool=seen.pool, daily_claim_limit=seen.terms.daily_claim_limit,
                       idle_days=seen.terms.idle_days,
                       items=[StaffLoadOut(staff_id=s.staff.id, name=s.staff.name, active=s.staff.active,
                                           owned=s.owned) for s in seen.staff])


@router.post("/assignments", response_model=AssignOut, responses=may_answer(403, 404, 422),
             summary="Merchant admin: assign members in bulk (by store, value class or all) round-robin over staff")
def assign(body: AssignIn, writer: WriterDep) -> JSONResponse:
    def run() -> AssignOut:
        done = service.assign(writer.session, writer.principal, body)
        return AssignOut(assigned=done.assigned, unchanged=done.unchanged, to_pool=done.to_pool,
                         per_staff=done.per_staff)

    return writer.run(run, body)


@router.get("/pool", response_model=Page[PoolMember], summary="The caller's merchant's pool: members without owner")
def pool(session: SessionDep, principal: CurrentPrincipal, paging: Paging) -> Page[PoolMember]:
    _, stmt = service.pool_query(principal)
    return page_of(session, stmt, paging, PoolMember)


@router.get("/claims/today", response_model=ClaimStateOut, summary="Staff: claims today and what is left")
def claims_today(session: SessionDep, principal: CurrentPrincipal) -> ClaimStateOut:
    state = service.claim_state(session, principal)
    return ClaimStateOut(limit=state.limit, claimed_today=state.claimed_today, remaining=state.remaining)


@router.post("/claims", response_model=OwnerOut, status_code=201, responses=may_answer(403, 404, 409),
             summary="Staff: claim a member from the pool (409 beyond the daily limit, or when taken already)")
def claim(body: ClaimIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: OwnerOut.model_validate(service.claim(writer.session, writer.principal,
                                                                    body.member_id)), body, 201)


@router.post("/releases", status_code=200, responses=may_answer(403, 404),
             summary="The owner (or an admin): put a member back in the pool")
def release(body: ClaimIn, writer: WriterDep) -> JSONResponse:
    def run() -> dict[str, int]:
        service.release(writer.session, writer.principal, body.member_id)
        return {"member_id": body.member_id}

    return writer.run(run, body)


@router.post("/hand-overs", response_model=HandOverOut, responses=may_answer(403, 404, 422),
             summary="Merchant admin: a staff member's members to a successor or the pool (and deactivate it)")
def hand_over(body: HandOverIn, writer: WriterDep) -> JSONResponse:
    def run() -> HandOverOut:
        done = service.hand_over(writer.session, writer.principal, body)
        return HandOverOut(staff_id=done.staff_id, successor_staff_id=done.successor_staff_id, moved=done.moved,
                           deactivated=done.deactivated)

    return writer.run(run, body)


@router.get("/owners", response_model=Page[OwnerOut],
            summary="Current owners the caller may see (staff: its own members)")
def owners(session: SessionDep, principal: CurrentPrincipal, paging: Paging, staff_id: int | None = None,
           member_id: int | None = None) -> Page[OwnerOut]:
    return page_of(session, repository.list_owners(principal, staff_id=staff_id, member_id=member_id), paging,
                   OwnerOut)


@router.get("/history", response_model=Page[PeriodOut], summary="Who owned whom from when to when, and why")
def history(session: SessionDep, principal: CurrentPrincipal, paging: Paging, member_id: int | None = None,
            staff_id: int | None = None) -> Page[PeriodOut]:
    return page_of(session, repository.list_history(principal, member_id=member_id, staff_id=staff_id), paging,
                   PeriodOut)
