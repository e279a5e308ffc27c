"""The member's "我的兴趣 My interests" page (phone-sized, linked from /m): tick or untick declarable interests,
and refuse personalised offers in one tap (PIPL art. 24), with a way to undo it. Same services as the member API
(/api/v1/me/interests, /api/v1/me/personalised-offers), with the member's own login."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from lianmeng.tags import service
from lianmeng.web.console import MemberPage, Page, form_of, run_write

router = APIRouter(include_in_schema=False)


def _render(page: Page, choices: service.MyChoices, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Member pages use their own nav; `principal` is cleared so the shared header offers no console links."""
    items = [{"code": i.tag.code, "name": i.tag.name_en if page.lang == "en" else i.tag.name_zh,
              "declared": i.declared is not None, "at": i.declared.at if i.declared else None}
             for i in choices.interests]
    return page.render("member/interests.html", status_code=status_code, principal=None, member_nav=True,
                       items=items, member=choices.member, errors={}, **context)


@router.get("/m/interests", response_class=HTMLResponse)
def interests(page: MemberPage, saved: str = "") -> Response:
    flash = {"1": page.t("已保存", "Saved"),
             "refused": page.t("已拒绝个性化推荐", "Personalised offers refused"),
             "allowed": page.t("已恢复个性化推荐", "Personalised offers allowed again")}.get(saved, "")
    return _render(page, service.my_choices(page.session, page.me), flash=flash)


@router.post("/m/interests", response_class=HTMLResponse)
async def declare(page: MemberPage) -> Response:
    form = await page.request.form()
    await form_of(page)
    codes = [str(v) for v in form.getlist("tag")][:50]
    _, error = run_write(page, lambda: service.declare_interests(page.session, page.me, codes))
    if error is not None:
        return _render(page, service.my_choices(page.session, page.me), status_code=422, error=error)
    return page.redirect("/m/interests?saved=1")


@router.post("/m/interests/offers", response_class=HTMLResponse)
async def offers(page: MemberPage) -> Response:
    values = await form_of(page)
    refused = values.get("refused") == "1"
    _, error = run_write(page, lambda: service.refuse_offers(page.session, page.me, refused))
    if error is not None:
        return _render(page, service.my_choices(page.session, page.me), status_code=422, error=error)
    return page.redirect(f"/m/interests?saved={'refused' if refused else 'allowed'}")
