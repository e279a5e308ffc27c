"""Pages of prospects' overlap.

* /console/prospects — the operator and merchant admins invite a prospect (the link and salt are shown once, on the
  answer to the form), follow their invitations, and read the results as counts and shares ("< 10" below k).
* /console/prospects/audit — the operator's audit trail: every invitation, computation (pair by pair, what was
  released) and purge.
* /p/overlap/{token} — the prospect's own phone-sized page, opened from the invitation link: the salt, the command
  to run on its machine, the upload form, its result (the alliance-wide overlap) and a per-line report of a file
  that is refused.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from lianmeng.kit.errors import AppError
from lianmeng.kit.pagination import PageParams, paginate
from lianmeng.overlap.domain import K_MIN
from lianmeng.prospects import domain, repository, service, views
from lianmeng.prospects.domain import AUDIT_EVENT_LABELS, INVITATION_STATUS_LABELS, AuditEvent
from lianmeng.prospects.errors import Problem
from lianmeng.web.console import OpenPage, Page, StaffPage, form_of, run_write

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30


def _may_invite(page: Page) -> bool:
    return page.me.is_operator or page.me.manages_merchant


def _render(page: Page, status_code: int = 200, **extra: Any) -> Response:
    me = page.me
    session = page.session
    invitations = views.invitations_out(session, repository.invitations_in_scope(
        session, me, limit=PAGE_SIZE)) if _may_invite(page) else []
    prospects = repository.prospect_candidates(session, me) if _may_invite(page) else []
    overlaps = [views.overlap_out(session, me, c.id, page.lang) for c in prospects]
    return page.render(
        "prospects/index.html", status_code=status_code, may_invite=_may_invite(page), invitations=invitations,
        prospects=prospects, overlaps=[o for o in overlaps if o.computations],
        status_labels={s.value: page.t(*label) for s, label in INVITATION_STATUS_LABELS.items()},
        k=K_MIN, budget=domain.QUERY_BUDGET, epsilon=domain.EPSILON, min_upload=domain.MIN_UPLOAD,
        hours=domain.INVITATION_HOURS, **extra)


@router.get("/console/prospects", response_class=HTMLResponse)
def prospects_page(page: StaffPage) -> Response:
    if not _may_invite(page):
        return _render(page, 403, error=page.t("只有联盟总部和商户管理员可以查看潜在伙伴的客户重合度",
                                               "Only the operator and merchant admins see prospects' overlap"))
    return _render(page)


@router.post("/console/prospects/invitations", response_class=HTMLResponse)
async def invite(page: StaffPage) -> Response:
    values = await form_of(page)
    if not _may_invite(page):
        return _render(page, 403, error=page.t("只有联盟总部和商户管理员可以发出邀请",
                                               "Only the operator and merchant admins may invite"))
    raw_id = values.get("candidate_id", "").strip()
    raw_hours = values.get("hours", "").strip() or str(domain.INVITATION_HOURS)
    errors: dict[str, str] = {}
    if not (raw_id.isascii() and raw_id.isdigit() and 0 < len(raw_id) < 10):
        errors["candidate_id"] = page.t("请选择潜在伙伴", "Choose a prospect")
    if not (raw_hours.isascii() and raw_hours.isdigit() and 1 <= int(raw_hours[:3]) <= domain.INVITATION_HOURS):
        errors["hours"] = page.t(f"有效期为 1–{domain.INVITATION_HOURS} 小时",
                                 f"Between 1 and {domain.INVITATION_HOURS} hours")
    if errors:
        return _render(page, 422, errors=errors, values=values)
    issued, error = run_write(page, lambda: service.invite(page.session, page.me, int(raw_id), int(raw_hours)))
    if error is not None:
        return _render(page, 409, error=error)
    return _render(page, 201, issued={"link": str(page.request.base_url).rstrip("/") + views.link_of(issued.token),
                                      "salt": issued.salt, "command": views.command_of(issued.salt)},
                   flash=page.t("邀请已生成:链接和盐值只显示这一次,请现在发给对方",
                                "Invitation made: the link and salt are shown only this once; send them now"))


@router.get("/console/prospects/audit", response_class=HTMLResponse)
def audit_page(page: StaffPage, p: int = 1) -> Response:
    if not page.me.is_operator:
        return page.render("prospects/audit.html", status_code=403, entries=[], total=0, page_no=1, pages=1,
                           error=page.t("审计记录仅联盟总部可见", "The audit trail is the operator's"))
    paging = PageParams(page=max(1, min(p, 100_000)), page_size=PAGE_SIZE)
    rows, total = paginate(page.session, repository.list_audit(page.me), paging)
    names = repository.candidate_names(page.session, [r.candidate_id for r in rows])
    merchant_ids = [c["merchant_id"] for r in rows for c in r.detail.get("cells", []) if c.get("merchant_id")]
    merchants = repository.merchant_names(page.session, merchant_ids)
    whole = page.t(*views.ALLIANCE_WIDE)
    entries = [{"row": r, "event": page.t(*AUDIT_EVENT_LABELS[AuditEvent(r.event)]),
                "prospect": names.get(r.candidate_id, f"#{r.candidate_id}"),
                "pairs": [(merchants.get(c["merchant_id"], f"#{c['merchant_id']}") if c.get("merchant_id") else whole,
                           c["shown"]) for c in r.detail.get("cells", [])]} for r in rows]
    return page.render("prospects/audit.html", entries=entries, total=total, page_no=paging.page,
                       pages=max(1, -(-total // PAGE_SIZE)))


# --- the prospect's page ----------------------------------------------------------------------------------------


def _prospect_render(page: Page, token: str, status_code: int = 200, **extra: Any) -> Response:
    invitation = service.invitation_by_token(page.session, token)
    status = service.status_of(page.session, invitation)
    names = repository.candidate_names(page.session, [invitation.candidate_id])
    salt = service.salt_of(invitation) if status is domain.InvitationStatus.OPEN else ""
    return page.render(
        "prospects/invitation.html", status_code=status_code, token=token, invitation=invitation,
        prospect=names.get(invitation.candidate_id, ""), status=status.value,
        status_label=page.t(*INVITATION_STATUS_LABELS[status]), salt=salt,
        command=views.command_of(salt) if salt else "", budget_left=service.budget_left_of(page.session,
                                                                                           invitation.candidate_id),
        k=K_MIN, min_upload=domain.MIN_UPLOAD, **extra)


@router.get("/p/overlap/{token}", response_class=HTMLResponse)
def invitation_page(token: str, page: OpenPage) -> Response:
    return _prospect_render(page, token)


@router.post("/p/overlap/{token}", response_class=HTMLResponse)
async def upload(token: str, page: OpenPage) -> Response:
    await form_of(page)
    form = await page.request.form()
    file = form.get("file")
    raw = await file.read() if isinstance(file, UploadFile) else b""
    if not raw:
        return _prospect_render(page, token, 422, error=page.t("请选择 hashes.csv 文件", "Choose your hashes.csv"))
    service.invitation_by_token(page.session, token)  # 404 for a token that is no invitation
    read = domain.read_upload(raw)
    if read.problems:  # the per-line report, before any write (the service reads the file again and refuses it)
        report = service.problems_report(read.problems)
        problems = [{**p, "message": views.problem_message(str(p["problem"]), page.lang)}
                    for p in report["problems"]]
        message = page.error_text(AppError(Problem.OVERLAP_UPLOAD_MALFORMED, count=len(read.problems)))
        return _prospect_render(page, token, 422, error=message, problems=problems,
                                more_problems=len(read.problems) - len(problems))
    result, error = run_write(page, lambda: service.upload(page.session, token, raw))
    if error is not None:
        return _prospect_render(page, token, 409, error=error)
    return _prospect_render(page, token, 201, result=views.upload_out(result),
                            flash=page.t("已计算:上传的哈希值不保存", "Computed; the uploaded hashes were not kept"))
