"""The console's notification centre (/console/notifications: unread first, each in words with a link to its
thing; mark one or all read; /console/notifications/settings: turn kinds off) and the member's message settings
(/m/messages, phone-sized). Thin doors: every read and write is the notifications service's, committed once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from lianmeng.notifications import domain, service
from lianmeng.web.console import MemberPage, Page, StaffPage, form_of, run_write

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Line:
    id: int
    kind: str
    text: str
    link: str
    at: datetime
    unread: bool


def _lines(page: Page) -> list[Line]:
    return [Line(n.id, domain.kind_label(n.kind, page.lang), domain.staff_text(n.kind, n.params, page.lang), n.link,
                 n.created_at, n.read_at is None) for n in service.my_notifications(page.session, page.me)]


def _centre(page: Page, status_code: int = 200, **context: object) -> HTMLResponse:
    return page.render("notifications/index.html", status_code=status_code, lines=_lines(page), **context)


@router.get("/console/notifications", response_class=HTMLResponse)
def centre(page: StaffPage, done: str = "") -> Response:
    flash = {"read": page.t("已标记为已读", "Marked read"),
             "all": page.t("已全部标记为已读", "All marked read")}.get(done, "")
    return _centre(page, flash=flash)


@router.post("/console/notifications/read-all")
async def read_all(page: StaffPage) -> Response:
    await form_of(page)
    _, error = run_write(page, lambda: service.mark_all_read(page.session, page.me))
    if error is not None:
        return _centre(page, 403, error=error)
    return page.redirect("/console/notifications?done=all")


@router.post("/console/notifications/{notification_id}/read")
async def read_one(notification_id: int, page: StaffPage) -> Response:
    await form_of(page)
    _, error = run_write(page, lambda: service.mark_read(page.session, page.me, notification_id))
    if error is not None:
        return _centre(page, 404, error=error)
    return page.redirect("/console/notifications?done=read")


def _settings(page: Page, status_code: int = 200, **context: object) -> HTMLResponse:
    rows = [(p.kind, domain.kind_label(p.kind, page.lang), p.enabled)
            for p in service.staff_preferences(page.session, page.me)]
    return page.render("notifications/settings.html", status_code=status_code, rows=rows, **context)


@router.get("/console/notifications/settings", response_class=HTMLResponse)
def settings(page: StaffPage, saved: str = "") -> Response:
    return _settings(page, flash=page.t("已保存", "Saved") if saved else "")


@router.post("/console/notifications/settings", response_class=HTMLResponse)
async def save_settings(page: StaffPage) -> Response:
    form = await page.request.form()
    await form_of(page)
    on = {str(v) for v in form.getlist("kind")}
    wanted = {k.value: k.value in on for k in domain.StaffKind}
    _, error = run_write(page, lambda: service.set_staff_preferences(page.session, page.me, wanted))
    if error is not None:
        return _settings(page, 403, error=error)
    return page.redirect("/console/notifications/settings?saved=1")


def _member_settings(page: Page, status_code: int = 200, **context: object) -> HTMLResponse:
    rows = [(p.kind, domain.kind_label(p.kind, page.lang, member=True), p.enabled)
            for p in service.member_preferences(page.session, page.me)]
    return page.render("member/messages.html", status_code=status_code, principal=None, member_nav=True, rows=rows,
                       **context)


@router.get("/m/messages", response_class=HTMLResponse)
def member_settings(page: MemberPage, saved: str = "") -> Response:
    return _member_settings(page, flash=page.t("已保存", "Saved") if saved else "")


@router.post("/m/messages", response_class=HTMLResponse)
async def save_member_settings(page: MemberPage) -> Response:
    form = await page.request.form()
    await form_of(page)
    on = {str(v) for v in form.getlist("kind")}
    wanted = {k.value: k.value in on for k in domain.MemberKind}
    _, error = run_write(page, lambda: service.set_member_preferences(page.session, page.me, wanted))
    if error is not None:
        return _member_settings(page, 403, error=error)
    return page.redirect("/m/messages?saved=1")
