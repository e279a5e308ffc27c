"""The distribution API (分销): offers' sharing terms, a member's share links and results, leaderboards."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lianmeng.coupons.models import ClaimLink
from lianmeng.distribution import service
from lianmeng.distribution.domain import RewardStatus
from lianmeng.distribution.schemas import (
    LeaderRow,
    MySharesOut,
    ResultsOut,
    ShareableOut,
    ShareIn,
    ShareLinkOut,
    TermsIn,
    TermsOut,
)
from lianmeng.web import links
from lianmeng.web.deps import CurrentPrincipal, SessionDep, WriterDep

router = APIRouter(tags=["distribution 分销"])


@router.put("/coupon-templates/{template_id}/distribution", response_model=TermsOut,
            summary="Set an offer's sharing terms (its owner merchant or the operator)")
def set_terms(template_id: int, body: TermsIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: TermsOut.model_validate(
        service.set_terms(writer.session, writer.principal, template_id, body)), body)


@router.get("/coupon-templates/{template_id}/distribution", response_model=TermsOut)
def get_terms(template_id: int, session: SessionDep, principal: CurrentPrincipal) -> TermsOut:
    return TermsOut.model_validate(service.get_terms(session, principal, template_id))


@router.get("/coupon-templates/{template_id}/distribution/results", response_model=ResultsOut,
            summary="Results and the leaderboard of sharers (masked; totals only, k-suppressed, for other merchants)")
def results(template_id: int, session: SessionDep, principal: CurrentPrincipal) -> ResultsOut:
    found = service.results(session, principal, template_id)
    return ResultsOut(
        template_id=found.template.id, reward_kind=found.terms.reward_kind if found.terms else None,
        sharers=found.sharers, claims=found.claims, conversions=found.conversions, reward_frozen=found.frozen,
        reward_available=found.available, reward_reversed=found.reversed,
        leaderboard=[LeaderRow(rank=r.rank, sharer=r.sharer, friends=r.friends, conversions=r.conversions,
                               reward=r.reward) for r in found.leaderboard])


def link_out(link: ClaimLink, request: Request) -> ShareLinkOut:
    return ShareLinkOut(template_id=link.template_id, token=link.token, url=links.claim_url(request, link.token))


@router.post("/me/shares", response_model=ShareLinkOut, status_code=201,
             summary="The member's own share link for an offer open for sharing (the same one every time)")
def share(body: ShareIn, request: Request, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: link_out(service.share(writer.session, writer.principal, body.template_id), request),
                      body, 201)


@router.get("/me/shares", response_model=MySharesOut,
            summary="我的分享: offers to share, friends' first orders (masked), rewards frozen/available/reversed")
def my_shares(request: Request, session: SessionDep, principal: CurrentPrincipal) -> MySharesOut:
    mine = service.my_shares(session, principal)
    return MySharesOut(
        offers=[ShareableOut(template_id=o.template.id, offer=o.template.name, merchant=o.merchant,
                             terms=TermsOut.model_validate(o.terms),
                             link=link_out(o.link, request) if o.link else None) for o in mine.offers],
        conversions=mine.conversions,
        frozen={k.value: v for k, v in mine.totals[RewardStatus.FROZEN].items()},
        available={k.value: v for k, v in mine.totals[RewardStatus.AVAILABLE].items()},
        reversed={k.value: v for k, v in mine.totals[RewardStatus.REVERSED].items()},
    )
