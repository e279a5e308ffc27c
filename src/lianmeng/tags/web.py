"""Console pages of tags: the alliance's taxonomy at /console/tags (the operator adds, renames, deactivates tags
and edits their rules; merchants read it), and the "标签 Tags" section of a member's page (a merchant's staff add
a tag with a note, and remove the ones they added). Every write is the tags service's, committed once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError

from lianmeng.kit.clock import format_local
from lianmeng.merchants.domain import INDUSTRY_LABELS
from lianmeng.tags import domain, repository, service
from lianmeng.tags.domain import RuleKind, TagGroup, TagSource
from lianmeng.tags.models import TagDefinition
from lianmeng.tags.schemas import StaffTagIn, TagCreate, TagUpdate
from lianmeng.web import labels
from lianmeng.web.console import Page, StaffPage, field_errors, form_of, run_write

router = APIRouter(include_in_schema=False)
INDUSTRY_WORDS = {industry.value: words for industry, words in INDUSTRY_LABELS.items()}


def tag_name(page: Page, tag: TagDefinition) -> str:
    return tag.name_en if page.lang == "en" else tag.name_zh


def rule_text(page: Page, tag: TagDefinition) -> str:
    rule = service.rule_of(tag)
    return domain.describe(rule, page.lang, INDUSTRY_WORDS) if rule else ""


# --- the taxonomy page ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagRow:
    tag: TagDefinition
    group: str
    rule: str
    members: int


def _index(page: Page, *, status_code: int = 200, **context: Any) -> Response:
    me = page.me
    alliance = service.alliance_of(me, me.alliance_id)
    tags = service.taxonomy(page.session, alliance)
    counts = repository.tag_counts(page.session, alliance) if me.is_operator else {}
    rows = [TagRow(t, page.label("tag_group", t.group), rule_text(page, t), counts.get(t.id, 0)) for t in tags]
    context.setdefault("values", {})
    context.setdefault("errors", {})
    last_run = repository.last_run(page.session, alliance) if me.is_operator else None
    return page.render("tags/index.html", status_code=status_code, rows=rows, may_edit=me.is_operator,
                       last_run=last_run,
                       groups=labels.options("tag_group", page.lang),
                       rule_kinds=[("", page.t("无规则", "No rule")), *labels.options("tag_rule_kind", page.lang)],
                       industries=labels.options("industry", page.lang), **context)


@router.get("/console/tags")
def index(page: StaffPage) -> Response:
    return _index(page)


def _rule_from(values: Mapping[str, str]) -> dict[str, Any] | None:
    kind = values.get("rule_kind", "")
    if not kind:
        return None
    rule: dict[str, Any] = {"kind": kind, "min_count": values.get("min_count") or 1}
    if values.get("within_days"):
        rule["within_days"] = values["within_days"]
    if kind == RuleKind.BOUGHT_KEYWORD.value:
        rule["keywords"] = [w.strip() for w in values.get("keywords", "").replace("，", ",").split(",") if w.strip()]
    if kind == RuleKind.VISITED_INDUSTRY.value:
        rule["industry"] = values.get("industry") or None
    return rule


def _parse(page: Page, model: type[TagCreate] | type[TagUpdate], raw: dict[str, Any]
           ) -> tuple[TagCreate | TagUpdate | None, dict[str, str]]:
    try:
        return model.model_validate(raw, strict=False), {}
    except ValidationError as error:
        return None, field_errors(error, page.lang)


@router.post("/console/tags")
async def create(page: StaffPage) -> Response:
    values = await form_of(page)
    raw: dict[str, Any] = {"code": values.get("code", "").strip(), "group": values.get("group", ""),
                           "name_zh": values.get("name_zh", ""), "name_en": values.get("name_en", ""),
                           "declarable": values.get("declarable") == "1", "rule": _rule_from(values)}
    data, errors = _parse(page, TagCreate, raw)
    if data is None:
        return _index(page, status_code=422, values=values, errors=errors)
    assert isinstance(data, TagCreate)
    _, error = run_write(page, lambda: service.create_tag(page.session, page.me, data))
    if error is not None:
        return _index(page, status_code=422, values=values, error=error)
    return page.redirect("/console/tags")


@router.post("/console/tags/run")
async def run_rules(page: StaffPage) -> Response:
    await form_of(page)
    done, error = run_write(page, lambda: service.apply_rules_now(page.session, page.me))
    if error is not None:
        return _index(page, status_code=403, error=error)
    _, applied = done
    return _index(page, flash=page.t(f"规则已运行:新增 {applied.added} 个标签,移除 {applied.removed} 个",
                                     f"Rules applied: {applied.added} tags added, {applied.removed} removed"))


@router.post("/console/tags/{code}")
async def update(code: str, page: StaffPage) -> Response:
    values = await form_of(page)
    raw: dict[str, Any] = {"name_zh": values.get("name_zh") or None, "name_en": values.get("name_en") or None,
                           "declarable": values.get("declarable") == "1", "active": values.get("active") == "1"}
    if values.get("edit_rule") == "1":
        raw["rule"] = _rule_from(values)
    data, errors = _parse(page, TagUpdate, raw)
    if data is None:
        return _index(page, status_code=422, errors={f"{code}.{k}": v for k, v in errors.items()},
                      error=next(iter(errors.values()), ""), editing=code)
    assert isinstance(data, TagUpdate)
    _, error = run_write(page, lambda: service.update_tag(page.session, page.me, code, data))
    if error is not None:
        return _index(page, status_code=422, error=error, editing=code)
    return page.redirect("/console/tags")


# --- the Tags section of a member's page ----------------------------------------------------------------------


@dataclass(frozen=True)
class Chip:
    id: int
    name: str
    group: str
    source: str
    said: str  # who and when, in words
    note: str
    removable: bool


def _said(page: Page, item: service.TagOnMember) -> str:
    row, when = item.row, format_local(item.row.at)
    if row.source == TagSource.DECLARED.value:
        return page.t(f"会员本人于 {when} 选择", f"chosen by the member on {when}")
    if row.source == TagSource.STAFF.value:
        who = " · ".join(n for n in (item.merchant_name, item.staff_name) if n) or page.t("店员", "staff")
        return page.t(f"{who} 于 {when} 添加", f"added by {who} on {when}")
    where = item.merchant_name or ""
    times = row.evidence or 0
    return page.t(f"{where}消费数据({times} 次)· {when}", f"{where} purchase data ({times}×) · {when}")


def member_section(page: Page, member_id: int) -> dict[str, Any]:
    """What the member page's Tags section shows: chips the caller may see, and (for a merchant's staff) the add
    form's options. The member page has already answered 404 for a member outside the caller's scope."""
    me = page.me
    items = service.member_tags(page.session, me, member_id)
    chips = [Chip(i.row.id, tag_name(page, i.tag), page.label("tag_group", i.tag.group),
                  page.label("tag_source", i.row.source), _said(page, i), i.row.note,
                  me.is_merchant_side and i.row.source == TagSource.STAFF.value and i.row.merchant_id == me.merchant_id)
             for i in items]
    may_add = me.is_merchant_side and not me.promoter and me.merchant_id is not None
    options: list[tuple[str, str]] = []
    if may_add and me.alliance_id is not None:
        order = {g.value: n for n, g in enumerate(TagGroup)}
        active = sorted((t for t in service.taxonomy(page.session, me.alliance_id) if t.active),
                        key=lambda t: (order.get(t.group, 9), t.id or 0))
        options = [(t.code, f"{page.label('tag_group', t.group)} · {tag_name(page, t)}") for t in active]
    return {"chips": chips, "may_add": may_add, "options": options}


def _back(member_id: int) -> str:
    return f"/console/members/{member_id}#tags"


@router.post("/console/members/{member_id}/tags")
async def add_tag(member_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    try:
        data = StaffTagIn(tag=values.get("tag", ""), note=values.get("note", "").strip()[:domain.MAX_NOTE])
    except ValidationError:
        return _member_error(page, member_id, page.t("请选择一个标签", "Choose a tag"))
    _, error = run_write(page, lambda: service.add_staff_tag(page.session, page.me, member_id, data))
    if error is not None:
        return _member_error(page, member_id, error)
    return page.redirect(_back(member_id))


@router.post("/console/members/{member_id}/tags/{member_tag_id}/delete")
async def remove_tag(member_id: int, member_tag_id: int, page: StaffPage) -> Response:
    await form_of(page)
    _, error = run_write(page, lambda: service.remove_staff_tag(page.session, page.me, member_tag_id, member_id))
    if error is not None:
        return _member_error(page, member_id, error)
    return page.redirect(_back(member_id))


def _member_error(page: Page, member_id: int, message: str) -> Response:
    """The member's page again, with what went wrong above its Tags section."""
    from lianmeng.members.web import detail

    response = detail(page, member_id, tag_error=message)
    response.status_code = 422
    return response

