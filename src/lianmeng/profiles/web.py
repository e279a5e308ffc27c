"""Console pages of profile completeness (资料完善), phone-sized: /console/profiles (the queue: the merchant's own
members, least complete first, with filters), /console/profiles/members/{id} (one member's fields with "save &
next" and "previous" computed by the server from the queue's order, so staff move record to record without the
list), and /console/profiles/leaderboard (staff, or for the operator merchants, by average completeness).

Each save is one form post answered by a redirect (POST-redirect-GET: reloading never saves twice); the filters
travel in the query string, so the next member is the next of the same filtered queue."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response

from lianmeng.kit import charts
from lianmeng.kit.i18n import translate
from lianmeng.kit.pagination import PageParams
from lianmeng.members.domain import Gender
from lianmeng.profiles import service
from lianmeng.profiles.domain import WEIGHTS, ProfileField
from lianmeng.profiles.repository import QueueFilter
from lianmeng.profiles.schemas import ProfileUpdate
from lianmeng.tags import service as tags_service
from lianmeng.web import labels
from lianmeng.web.console import Page, StaffPage, form_of, parse, run_write

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
ANSWERS = ("1", "0")  # a consent radio: given / refused ("" = not asked)


def _int(text: str | None) -> int | None:
    cleaned = (text or "").strip()
    return int(cleaned) if cleaned.isascii() and cleaned.isdigit() and 0 < len(cleaned) < 10 else None


def _filters(page: Page, mine: str, store: str, missing: str) -> QueueFilter:
    chosen = ProfileField(missing) if missing in {f.value for f in ProfileField} else None
    staff = (page.me.staff_id or 0) if mine == "1" else None  # a login without a staff record has no members
    return QueueFilter(mine=staff, store_id=_int(store), missing=chosen)


def _query(filters: QueueFilter) -> str:
    params = {"mine": "1" if filters.mine is not None else "", "store": filters.store_id or "",
              "missing": filters.missing.value if filters.missing else ""}
    kept = {k: v for k, v in params.items() if v}
    return f"?{urlencode(kept)}" if kept else ""


def _member_url(member_id: int, filters: QueueFilter, **extra: str) -> str:
    query = _query(filters)
    more = urlencode(extra)
    joined = f"{query}&{more}" if query and more else (query or (f"?{more}" if more else ""))
    return f"/console/profiles/members/{member_id}{joined}"


@router.get("/console/profiles")
def queue(page: StaffPage, mine: str = "", store: str = "", missing: str = "", p: str = "1") -> Response:
    if page.me.is_operator:
        return page.redirect("/console/profiles/leaderboard")
    service.merchant_of(page.me)
    filters = _filters(page, mine, store, missing)
    number = _int(p) or 1
    listed = service.queue(page.session, page.me, filters, PageParams(page=number, page_size=PAGE_SIZE))
    board = service.leaderboard(page.session, page.me)
    return page.render(
        "profiles/queue.html", rows=listed.items, total=listed.total, number=number,
        pages=max((listed.total + PAGE_SIZE - 1) // PAGE_SIZE, 1), filters=filters, query=_query(filters),
        average=board.average, stores=service.stores_for_filter(page.session, page.me),
        fields=labels.options("profile_field", page.lang), mine=mine == "1", store=filters.store_id or "",
        missing=filters.missing.value if filters.missing else "", weights=WEIGHTS,
        member_url=lambda member_id: _member_url(member_id, filters))


def _edit(page: Page, member_id: int, filters: QueueFilter, *, status_code: int = 200, **context: Any) -> Response:
    shown = service.view(page.session, page.me, member_id, filters)
    member = shown.member
    tags = [(t.code, t.name_en if page.lang == "en" else t.name_zh)
            for t in tags_service.taxonomy(page.session, member.alliance_id) if t.active]
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return page.render(
        "profiles/edit.html", status_code=status_code, view=shown, member=member, filters=filters,
        query=_query(filters), genders=labels.options("gender", page.lang, [g.value for g in Gender]),
        stores=[(str(s.id), s.name) for s in shown.stores], tag_options=tags, weights=WEIGHTS,
        marketing=_answer(member.consent_marketing, shown.profile.consents_answered),
        sharing=_answer(member.consent_data_sharing, shown.profile.consents_answered),
        previous_url=_member_url(shown.previous_id, filters) if shown.previous_id else None,
        next_url=_member_url(shown.next_id, filters) if shown.next_id else None, **context)


def _answer(given: bool, answered: bool) -> str:
    return "1" if given else ("0" if answered else "")


@router.get("/console/profiles/members/{member_id}")
def edit(member_id: int, page: StaffPage, mine: str = "", store: str = "", missing: str = "",
         saved: str = "") -> Response:
    filters = _filters(page, mine, store, missing)
    flash = page.t("已保存", "Saved") if saved == "1" else None
    return _edit(page, member_id, filters, flash=flash)


def _update_from(values: dict[str, str]) -> dict[str, Any]:
    """The form's fields as a ProfileUpdate's: empty means "leave as it is"; both consent answers or neither."""
    raw: dict[str, Any] = {key: values.get(key, "").strip() for key in ("name", "gender", "birth_year",
                                                                         "origin_store_id", "tag", "plate")}
    marketing, sharing = values.get("consent_marketing", ""), values.get("consent_data_sharing", "")
    if marketing in ANSWERS and sharing in ANSWERS:
        raw["consent_marketing"], raw["consent_data_sharing"] = marketing == "1", sharing == "1"
    return raw


@router.post("/console/profiles/members/{member_id}")
async def save(member_id: int, page: StaffPage, mine: str = "", store: str = "", missing: str = "") -> Response:
    values = await form_of(page)
    filters = _filters(page, mine, store, missing)
    data, errors = parse(ProfileUpdate, _update_from(values), page.lang)
    if errors.get("plate") == "invalid_plate":
        errors["plate"] = translate("invalid_plate", page.lang)
    if data is None:
        return _edit(page, member_id, filters, status_code=422, values=values, errors=errors)
    saved, error = run_write(page, lambda: service.save(page.session, page.me, member_id, data))
    if error is not None:
        return _edit(page, member_id, filters, status_code=422, values=values, error=error)
    if values.get("action") == "next":
        next_id = service.next_after(page.session, page.me, filters, saved.key_before)
        if next_id is None or next_id == member_id:
            return page.redirect(f"/console/profiles{_query(filters)}")
        return page.redirect(_member_url(next_id, filters))
    return page.redirect(_member_url(member_id, filters, saved="1"))


@router.get("/console/profiles/leaderboard")
def leaderboard(page: StaffPage) -> Response:
    me = page.me
    if not me.is_operator:
        service.merchant_of(me)
    board = service.leaderboard(page.session, me)
    if me.is_operator:
        names = [row.name for row in board.merchants]
        values = [row.average for row in board.merchants]
    else:
        names = [row.name for row in board.staff]
        values = [row.average for row in board.staff]
    chart = charts.horizontal_bar_chart(
        names, [charts.Series(page.t("平均完整度", "Average completeness"), values, "#2f80ed")],
        label=page.t("资料完整度排行", "Profile completeness leaderboard"), value_format=lambda v: f"{v}%",
        empty_text=page.t("暂无数据", "No data yet"))
    return page.render("profiles/leaderboard.html", board=board, chart=chart, operator=me.is_operator)
