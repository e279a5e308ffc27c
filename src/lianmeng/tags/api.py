"""API of tags: the alliance's taxonomy (the operator edits it), tags on a member (a merchant's staff add and
remove their own), and the member's own interests and refusal of personalised offers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from lianmeng.kit.types import MAX_ID
from lianmeng.tags import repository, service
from lianmeng.tags.models import TagDefinition
from lianmeng.tags.schemas import (
    InterestOut,
    InterestsIn,
    InterestsOut,
    MemberTagOut,
    OffersChoiceIn,
    RulesRun,
    StaffTagIn,
    TagCreate,
    TagOut,
    TagUpdate,
)
from lianmeng.web.deps import CurrentPrincipal, SessionDep, WriterDep
from lianmeng.web.openapi import may_answer

router = APIRouter(tags=["tags 会员标签"])
AllianceParam = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Platform admins only: the alliance")]
TagCode = Annotated[str, Path(max_length=40, description="The tag's code, e.g. fitness")]


def tag_out(tag: TagDefinition, members: int = 0) -> TagOut:
    return TagOut(code=tag.code, group=tag.group, name_zh=tag.name_zh, name_en=tag.name_en,
                  declarable=tag.declarable, active=tag.active, rule=tag.rule, members=members)


def member_tag_out(item: service.TagOnMember) -> MemberTagOut:
    row, tag = item.row, item.tag
    return MemberTagOut(id=row.id, tag=tag.code, group=tag.group, name_zh=tag.name_zh,
                        name_en=tag.name_en, source=row.source, merchant_id=row.merchant_id,
                        merchant_name=item.merchant_name, staff_name=item.staff_name, note=row.note,
                        evidence=row.evidence, at=row.at)


def choices_out(choices: service.MyChoices) -> InterestsOut:
    return InterestsOut(
        interests=[InterestOut(tag=i.tag.code, name_zh=i.tag.name_zh, name_en=i.tag.name_en,
                               declared=i.declared is not None, declared_at=i.declared.at if i.declared else None)
                   for i in choices.interests],
        offers_refused=choices.member.offers_refused, offers_refused_at=choices.member.offers_refused_at)


@router.get("/tags", response_model=list[TagOut], summary="The alliance's tag taxonomy (counts: operator only)")
def list_tags(session: SessionDep, principal: CurrentPrincipal, alliance_id: AllianceParam = None) -> list[TagOut]:
    alliance = service.alliance_of(principal, alliance_id)
    counts = repository.tag_counts(session, alliance) if principal.is_operator else {}
    return [tag_out(t, counts.get(t.id, 0)) for t in service.taxonomy(session, alliance)]


@router.post("/tags", response_model=TagOut, status_code=201, responses=may_answer(403, 409, 422),
             summary="Operator: add a tag to the alliance's taxonomy")
def create_tag(body: TagCreate, writer: WriterDep, alliance_id: AllianceParam = None) -> JSONResponse:
    return writer.run(lambda: tag_out(service.create_tag(writer.session, writer.principal, body, alliance_id)),
                      body, 201)


@router.patch("/tags/{code}", response_model=TagOut, responses=may_answer(403, 404, 422),
              summary="Operator: rename, (de)activate a tag, or set / remove its rule (rule: null)")
def update_tag(code: TagCode, body: TagUpdate, writer: WriterDep, alliance_id: AllianceParam = None) -> JSONResponse:
    return writer.run(lambda: tag_out(service.update_tag(writer.session, writer.principal, code, body,
                                                         alliance_id)), body)


@router.post("/tags/rules/run", response_model=RulesRun, responses=may_answer(403),
             summary="Operator: apply the rule tags now (the scheduled jobs do it otherwise)")
def run_rules(writer: WriterDep, alliance_id: AllianceParam = None) -> JSONResponse:
    def run() -> RulesRun:
        alliance, applied = service.apply_rules_now(writer.session, writer.principal, alliance_id)
        return RulesRun(alliance_id=alliance, added=applied.added, removed=applied.removed)

    return writer.run(run)


@router.get("/members/{member_id}/tags", response_model=list[MemberTagOut], responses=may_answer(404),
            summary="A member's tags as far as the caller may see: a merchant its own and the declared ones")
def member_tags(member_id: int, session: SessionDep, principal: CurrentPrincipal) -> list[MemberTagOut]:
    return [member_tag_out(i) for i in service.member_tags(session, principal, member_id)]


@router.post("/members/{member_id}/tags", response_model=MemberTagOut, status_code=201,
             responses=may_answer(403, 404, 409, 422),
             summary="A merchant's staff tag one of its members (what they saw, e.g. a child seat at service)")
def add_staff_tag(member_id: int, body: StaffTagIn, writer: WriterDep) -> JSONResponse:
    def run() -> MemberTagOut:
        row = service.add_staff_tag(writer.session, writer.principal, member_id, body)
        shown = next(i for i in service.member_tags(writer.session, writer.principal, member_id) if i.row.id == row.id)
        return member_tag_out(shown)

    return writer.run(run, body, 201)


@router.delete("/member-tags/{member_tag_id}", status_code=204, responses=may_answer(403, 404),
               summary="Remove a staff tag the caller's merchant added (ids as listed by GET /members/{id}/tags)")
def remove_staff_tag(member_tag_id: int, writer: WriterDep) -> Response:
    def run() -> None:
        service.remove_staff_tag(writer.session, writer.principal, member_tag_id)

    done = writer.run(run, None, 204)
    return Response(status_code=204) if done.status_code == 204 else done


@router.get("/me/interests", response_model=InterestsOut, tags=["me 我的"], responses=may_answer(403),
            summary="The member's declarable interests, which are ticked, and whether it refused personalised offers")
def my_interests(session: SessionDep, principal: CurrentPrincipal) -> InterestsOut:
    return choices_out(service.my_choices(session, principal))


@router.put("/me/interests", response_model=InterestsOut, tags=["me 我的"], responses=may_answer(403, 422),
            summary="The member declares exactly these interests (unticked ones are removed)")
def declare_interests(body: InterestsIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: choices_out(service.declare_interests(writer.session, writer.principal, body.tags)),
                      body)


@router.put("/me/personalised-offers", response_model=InterestsOut, tags=["me 我的"], responses=may_answer(403),
            summary="Refuse personalised offers in one tap (PIPL art. 24), or undo it")
def personalised_offers(body: OffersChoiceIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: choices_out(service.refuse_offers(writer.session, writer.principal, body.refused)),
                      body)
