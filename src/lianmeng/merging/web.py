"""Console page of merging: the merge history the caller may see (the operator: its alliance's; a merchant admin:
those whose kept member is its own), each with what moved and an undo button within the window, and a plain form
to merge two members by card number (the duplicate review posts to the same service)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select

from lianmeng.coupons.web import attempt, member_by_card
from lianmeng.kit import clock, ids
from lianmeng.kit.errors import AppError
from lianmeng.kit.pagination import PageParams, paginate
from lianmeng.members.models import Member
from lianmeng.merging import domain, repository, service
from lianmeng.merging.models import MemberMerge
from lianmeng.tenancy import policy
from lianmeng.web.console import Page, StaffPage, form_of

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


def _render(page: Page, values: dict[str, str] | None = None, error: AppError | None = None,
            status_code: int = 200) -> Response:
    policy.require_member_merger(page.me)
    merges, total = paginate(page.session, repository.list_merges(page.me), PageParams(page=1, page_size=PAGE_SIZE))
    wanted = {i for m in merges for i in (m.survivor_id, m.absorbed_id)}
    cards = {m.id: ids.format_card_number(m.card_no)
             for m in page.session.scalars(select(Member).where(Member.id.in_(wanted)))}
    rows = [(m, cards.get(m.survivor_id, "—"), cards.get(m.absorbed_id, "—"), _undoable(page, m)) for m in merges]
    return page.render("merging/index.html", status_code=status_code, rows=rows, total=total, values=values or {},
                       error=page.error_text(error) if error else "", window_days=domain.UNDO_WINDOW_DAYS)


def _undoable(page: Page, merge: MemberMerge) -> bool:
    if merge.status != domain.MergeStatus.IN_FORCE.value or not domain.undo_open(merge.merged_at, clock.now()):
        return False
    return not page.me.is_merchant_side or merge.merchant_id == page.me.merchant_id


@router.get("/console/merges")
def merges(page: StaffPage) -> Response:
    return _render(page)


@router.post("/console/merges")
async def merge(page: StaffPage) -> Response:
    values = await form_of(page)

    def run() -> MemberMerge:
        survivor = member_by_card(page, values.get("survivor_card", ""))
        absorbed = member_by_card(page, values.get("absorbed_card", ""))
        return service.merge_members(page.session, page.me, survivor.id, absorbed.id, values.get("reason", "")[:300])

    done, error = attempt(page, run)
    if error is not None:
        return _render(page, values, error, status_code=error.status_code)
    return page.redirect(f"/console/merges#merge-{done.id if done else ''}")


@router.post("/console/merges/{merge_id}/undo")
async def undo(page: StaffPage, merge_id: int) -> Response:
    values = await form_of(page)
    _, error = attempt(page, lambda: service.unmerge(page.session, page.me, merge_id, values.get("reason", "")[:300]))
    if error is not None:
        return _render(page, error=error, status_code=error.status_code)
    return page.redirect(f"/console/merges#merge-{merge_id}")
