"""The caller's own notifications and notification preferences (console logins), and a member's message
preferences. Nobody reads another's: another login's notification answers 404 like a missing one."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lianmeng.notifications import domain, service
from lianmeng.notifications.models import Notification
from lianmeng.notifications.schemas import (
    MemberPreferencesIn,
    NotificationOut,
    PreferenceOut,
    ReadAllOut,
    StaffPreferencesIn,
)
from lianmeng.web.deps import CurrentPrincipal, Language, SessionDep, WriterDep
from lianmeng.web.openapi import may_answer

router = APIRouter(tags=["notifications 通知"])


def notification_out(row: Notification, lang: str) -> NotificationOut:
    return NotificationOut(id=row.id, kind=domain.StaffKind(row.kind), kind_label=domain.kind_label(row.kind, lang),
                           text=domain.staff_text(row.kind, row.params, lang), link=row.link,
                           created_at=row.created_at, read_at=row.read_at)


def preferences_out(prefs: list[service.Preference], lang: str, member: bool = False) -> list[PreferenceOut]:
    return [PreferenceOut(kind=p.kind, label=domain.kind_label(p.kind, lang, member=member), enabled=p.enabled)
            for p in prefs]


@router.get("/notifications", response_model=list[NotificationOut], responses=may_answer(403),
            summary="My notifications (a console login's), unread first, newest first")
def list_notifications(session: SessionDep, principal: CurrentPrincipal, lang: Language,
                       unread: bool = False) -> list[NotificationOut]:
    return [notification_out(n, lang) for n in service.my_notifications(session, principal, unread_only=unread)]


@router.post("/notifications/read-all", response_model=ReadAllOut, responses=may_answer(403),
             summary="Mark all my notifications read")
def read_all(writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: ReadAllOut(marked_read=service.mark_all_read(writer.session, writer.principal)))


@router.post("/notifications/{notification_id}/read", response_model=NotificationOut,
             responses=may_answer(403, 404), summary="Mark one of my notifications read")
def read_one(notification_id: int, writer: WriterDep, lang: Language) -> JSONResponse:
    return writer.run(lambda: notification_out(service.mark_read(writer.session, writer.principal,
                                                                 notification_id), lang))


@router.get("/notification-preferences", response_model=list[PreferenceOut], responses=may_answer(403),
            summary="Which notification kinds I receive")
def get_preferences(session: SessionDep, principal: CurrentPrincipal, lang: Language) -> list[PreferenceOut]:
    return preferences_out(service.staff_preferences(session, principal), lang)


@router.put("/notification-preferences", response_model=list[PreferenceOut], responses=may_answer(403, 422),
            summary="Turn notification kinds on or off (kinds not named keep their setting)")
def put_preferences(body: StaffPreferencesIn, writer: WriterDep, lang: Language) -> JSONResponse:
    wanted = {k.value: on for k, on in body.kinds.items()}
    return writer.run(lambda: preferences_out(service.set_staff_preferences(writer.session, writer.principal,
                                                                            wanted), lang), body)


@router.get("/me/message-preferences", response_model=list[PreferenceOut], tags=["me 我的"],
            responses=may_answer(403), summary="Member: which messages I receive")
def get_member_preferences(session: SessionDep, principal: CurrentPrincipal, lang: Language) -> list[PreferenceOut]:
    return preferences_out(service.member_preferences(session, principal), lang, member=True)


@router.put("/me/message-preferences", response_model=list[PreferenceOut], tags=["me 我的"],
            responses=may_answer(403, 422), summary="Member: turn message kinds on or off")
def put_member_preferences(body: MemberPreferencesIn, writer: WriterDep, lang: Language) -> JSONResponse:
    wanted = {k.value: on for k, on in body.kinds.items()}
    return writer.run(lambda: preferences_out(service.set_member_preferences(writer.session, writer.principal,
                                                                             wanted), lang, True), body)
