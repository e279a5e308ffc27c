"""Console page of merging: the merge history the caller may see (the operator: its alliance's; a merchant admin:
those whose kept member is its own, and the merges of its stores and prospects), each with what moved and an undo
button within the window; a plain form to merge two members by card number, and one to merge two stores, prospects
or merchants by id (prefilled from the duplicate review's link: ?kind=&survivor_id=&absorbed_id=)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from lianmeng.coupons.web import member_by_card
from lianmeng.kit import clock, ids
from lianmeng.kit.errors import AppError, Invalid
from lianmeng.kit.pagination import PageParams, paginate
from lianmeng.members import repository as members_repo
from lianmeng.merging import domain, repository, service
from lianmeng.merging.domain import PlaceKind
from lianmeng.merging.models import MemberMerge, PlaceMerge
from lianmeng.tenancy import policy
from lianmeng.web import labels
from lianmeng.web.console import Page, StaffPage, attempt, form_of

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


def _render(page: Page, values: dict[str, str] | None = None, error: AppError | None = None,
            status_code: int = 200, place_values: dict[str, str] | None = None,
            place_error: AppError | None = None) -> Response:
    policy.require_member_merger(page.me)
    merges, total = paginate(page.session, repository.list_merges(page.me, MemberMerge),
                             PageParams(page=1, page_size=PAGE_SIZE))
    wanted = {i for m in merges for i in (m.survivor_id, m.absorbed_id)}
    cards = {m.id: ids.format_card_number(m.card_no)
             for m in members_repo.members_by_ids(page.session, wanted)}
    rows = [(m, cards.get(m.survivor_id, "—"), cards.get(m.absorbed_id, "—"), _undoable(page, m)) for m in merges]
    places, place_total = paginate(page.session, repository.list_merges(page.me, PlaceMerge),
                                   PageParams(page=1, page_size=PAGE_SIZE))
    names = repository.place_names(page.session, places)
    place_rows = [(m, _named(names, m.kind, m.survivor_id), _named(names, m.kind, m.absorbed_id),
                   _moved_words(page, m), _place_undoable(m)) for m in places]
    query = page.request.query_params
    prefill = place_values or {k: query.get(k, "") for k in ("kind", "survivor_id", "absorbed_id", "reason")}
    kinds = [k.value for k in PlaceKind if page.me.is_operator or k is not PlaceKind.MERCHANT]
    return page.render("merging/index.html", status_code=status_code, rows=rows, total=total, values=values or {},
                       error=page.error_text(error) if error else "", window_days=domain.UNDO_WINDOW_DAYS,
                       place_rows=place_rows, place_total=place_total, place_values=prefill,
                       place_error=page.error_text(place_error) if place_error else "",
                       place_kinds=labels.options("place_kind", page.lang, kinds))


def _named(names: dict[tuple[str, int], str], kind: str, place_id: int) -> str:
    return f"{names.get((kind, place_id), '—')} (#{place_id})"


def _moved_words(page: Page, merge: PlaceMerge) -> list[str]:
    """What moved, one line per table: "门店的员工 2"."""
    moved = merge.moved or {}
    out = [f"{page.t(*_word(key))} {len(ids)}" for key, ids in moved.get("rows", {}).items()]
    if moved.get("lists"):
        out.append(f"{page.t('券模板适用范围', 'Coupon acceptance lists')} {len(moved['lists'])}")
    for key, kept in moved.get("kept", {}).items():
        out.append(f"{page.t('保留在原处:', 'Left in place: ')}{page.t(*_word(key))} {len(kept)}")
    return out


def _word(key: str) -> tuple[str, str]:
    from lianmeng.kit.i18n import word

    return word(key, "zh-CN"), word(key, "en")


def _undoable(page: Page, merge: MemberMerge) -> bool:
    if merge.status != domain.MergeStatus.IN_FORCE.value or not domain.undo_open(merge.merged_at, clock.now()):
        return False
    return not page.me.is_merchant_side or merge.merchant_id == page.me.merchant_id


def _place_undoable(merge: PlaceMerge) -> bool:
    """Everyone who sees a place merge may undo it (the scope is the merger's: policy.place_merges)."""
    return merge.status == domain.MergeStatus.IN_FORCE.value and domain.undo_open(merge.merged_at, clock.now())


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


@router.post("/console/merges/places")
async def merge_places(page: StaffPage) -> Response:
    values = await form_of(page)

    def run() -> PlaceMerge:
        kind = values.get("kind", "")
        if kind not in {k.value for k in PlaceKind}:
            raise Invalid("validation_error")
        try:
            survivor, absorbed = int(values.get("survivor_id", "")), int(values.get("absorbed_id", ""))
        except ValueError:
            raise Invalid("validation_error") from None
        return service.merge_places(page.session, page.me, PlaceKind(kind), survivor, absorbed,
                                    values.get("reason", "")[:300])

    done, error = attempt(page, run)
    if error is not None:
        return _render(page, place_values=values, place_error=error, status_code=error.status_code)
    return page.redirect(f"/console/merges#place-merge-{done.id if done else ''}")


@router.post("/console/merges/places/{merge_id}/undo")
async def undo_place(page: StaffPage, merge_id: int) -> Response:
    values = await form_of(page)
    _, error = attempt(page, lambda: service.unmerge_place(page.session, page.me, merge_id,
                                                           values.get("reason", "")[:300]))
    if error is not None:
        return _render(page, place_error=error, status_code=error.status_code)
    return page.redirect(f"/console/merges#place-merge-{merge_id}")
