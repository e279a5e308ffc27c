"""The console's notification centre (/console/notifications: unread first, each in words with a link to its
thing; mark one or all read; /console/notifications/settings: turn kinds off) and the member's message settings
(/m/messages, phone-sized). Thin doors: every read and write is the notifications service's, committed once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from lianmeng.notifications import domain, service
from lianmeng.tenancy import Principal
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


@dataclass(frozen=True)
class SettingsPage:
    """What tells the staff settings page from the member's: the kinds offered, the service reading and saving the
    person's choices, the template and the page's own address."""

    kinds: type[StrEnum]
    read: Callable[[Session, Principal], list[service.Preference]]
    save: Callable[[Session, Principal, Mapping[str, bool]], list[service.Preference]]
    template: str
    address: str

    @property
    def for_member(self) -> bool:
        return self.kinds is domain.MemberKind


STAFF_SETTINGS = SettingsPage(domain.StaffKind, service.staff_preferences, service.set_staff_preferences,
                              "notifications/settings.html", "/console/notifications/settings")
MEMBER_SETTINGS = SettingsPage(domain.MemberKind, service.member_preferences, service.set_member_preferences,
                               "member/messages.html", "/m/messages")


def _show_settings(form: SettingsPage, page: Page, status_code: int = 200, **context: object) -> HTMLResponse:
    rows = [(p.kind, domain.kind_label(p.kind, page.lang, member=form.for_member), p.enabled)
            for p in form.read(page.session, page.me)]
    if form.for_member:  # the phone-sized layout: the member's tabs, not the console's header
        context = {"principal": None, "member_nav": True, **context}
    return page.render(form.template, status_code=status_code, rows=rows, **context)


def _settings_page(form: SettingsPage, page: Page, saved: str) -> HTMLResponse:
    return _show_settings(form, page, flash=page.t("已保存", "Saved") if saved else "")


async def _save_settings(form: SettingsPage, page: Page) -> Response:
    """Every kind not ticked is turned off; a kind outside the form's vocabulary is ignored."""
    posted = await page.request.form()
    await form_of(page)
    on = {str(v) for v in posted.getlist("kind")}
    wanted = {k.value: k.value in on for k in form.kinds}
    _, error = run_write(page, lambda: form.save(page.session, page.me, wanted))
    if error is not None:
        return _show_settings(form, page, 403, error=error)
    return page.redirect(f"{form.address}?saved=1")


@router.get("/console/notifications/settings", response_class=HTMLResponse)
def settings(page: StaffPage, saved: str = "") -> Response:
    return _settings_page(STAFF_SETTINGS, page, saved)


@router.post("/console/notifications/settings", response_class=HTMLResponse)
async def save_settings(page: StaffPage) -> Response:
    return await _save_settings(STAFF_SETTINGS, page)


@router.get("/m/messages", response_class=HTMLResponse)
def member_settings(page: MemberPage, saved: str = "") -> Response:
    return _settings_page(MEMBER_SETTINGS, page, saved)


@router.post("/m/messages", response_class=HTMLResponse)
async def save_member_settings(page: MemberPage) -> Response:
    return await _save_settings(MEMBER_SETTINGS, page)
