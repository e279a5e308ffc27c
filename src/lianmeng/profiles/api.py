"""Profile completeness over HTTP: the caller's members with their scores and what is missing, a save of one
member's profile (recorded in profile_edits when it changes something) and the leaderboard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from lianmeng.kit.pagination import Page
from lianmeng.kit.types import MAX_ID
from lianmeng.profiles import service
from lianmeng.profiles.domain import ProfileField
from lianmeng.profiles.repository import QueueFilter
from lianmeng.profiles.schemas import LeaderboardOut, MemberCompleteness, ProfileSaved, ProfileUpdate
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep

router = APIRouter(tags=["profiles 资料完整度"])


@router.get("/profiles/completeness", response_model=Page[MemberCompleteness],
            summary="Your merchant's members, least complete profile first, with what each still lacks")
def completeness(session: SessionDep, principal: CurrentPrincipal, paging: Paging,
                 mine: Annotated[bool, Query(description="Only the members you are responsible for")] = False,
                 store_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Enrolled at this store")] = None,
                 missing: Annotated[ProfileField | None, Query(description="Lacking this field")] = None,
                 ) -> Page[MemberCompleteness]:
    filters = QueueFilter(mine=principal.staff_id if mine else None, store_id=store_id, missing=missing)
    if mine and principal.staff_id is None:
        filters = QueueFilter(mine=0, store_id=store_id, missing=missing)  # a login with no staff record has none
    return service.queue(session, principal, filters, paging)


@router.patch("/profiles/members/{member_id}", response_model=ProfileSaved,
              summary="Fill in a member's profile (the members service's rules); the same values again change "
                      "and record nothing")
def save(member_id: int, body: ProfileUpdate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.save(writer.session, writer.principal, member_id, body).out, body)


@router.get("/profiles/leaderboard", response_model=LeaderboardOut,
            summary="Staff ranked by their members' average completeness and records improved this week; the "
                    "operator sees per-merchant averages only")
def leaderboard(session: SessionDep, principal: CurrentPrincipal) -> LeaderboardOut:
    return service.leaderboard(session, principal)
