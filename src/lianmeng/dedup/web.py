"""Console pages of duplicate candidates: the review queue at /console/dedup (the operator: every kind; a
merchant admin: pairs of its own members) and one pair side by side at /console/dedup/{id} — masked phones, which
fields agree and disagree, the score — with "not a duplicate" and "merge" (keeping the chosen record). Every write
is the dedup service's, committed once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from lianmeng.dedup import domain, repository, service
from lianmeng.dedup.domain import CandidateState, DedupKind, FieldComparison, MemberRecord, PlaceRecord
from lianmeng.dedup.models import DedupCandidate
from lianmeng.kit.errors import NotFound
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merging.domain import UNDO_WINDOW_DAYS
from lianmeng.web import labels
from lianmeng.web.console import Page, StaffPage, form_of, run_write

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Row:
    item: DedupCandidate
    names: tuple[str, str]
    agree: str
    disagree: str


def _field_words(page: Page, fields: list[str]) -> str:
    return "、".join(page.label("dedup_field", f) for f in fields) if page.lang != "en" else ", ".join(
        page.label("dedup_field", f) for f in fields)


def _names(page: Page, items: list[DedupCandidate]) -> dict[tuple[str, int], str]:
    members = repository.members_by_id(page.session, [i for c in items if c.kind == DedupKind.MEMBER
                                                      for i in (c.left_id, c.right_id)])
    names = {("member", m.id): m.name or m.phone_masked for m in members.values()}
    alliances = {c.alliance_id for c in items if c.kind != DedupKind.MEMBER}
    for alliance in alliances:
        for record, _ in repository.store_records(page.session, alliance):
            names[("store", record.id)] = record.name
        for record in repository.merchant_records(page.session, alliance):
            names[("merchant", record.id)] = record.name
    return names


def _index(page: Page, *, status_code: int = 200, **context: Any) -> Response:
    state = page.request.query_params.get("status", CandidateState.PENDING.value)
    status = state if state in {s.value for s in CandidateState} else None
    kind_text = page.request.query_params.get("kind", "")
    kind = kind_text if kind_text in {k.value for k in DedupKind} else None
    items, total = service.list_candidates(page.session, page.me, status=status, kind=kind, limit=100)
    names = _names(page, items)
    rows = [Row(c, (names.get((c.kind, c.left_id), f"#{c.left_id}"), names.get((c.kind, c.right_id),
                                                                                 f"#{c.right_id}")),
                _field_words(page, list((c.fields or {}).get("agree", []))),
                _field_words(page, list((c.fields or {}).get("disagree", [])))) for c in items]
    thresholds = None
    if page.me.is_operator and page.me.alliance_id is not None:
        thresholds = service.thresholds(page.session, page.me.alliance_id)
    return page.render("dedup/index.html", status_code=status_code, rows=rows, total=total, status=status or "",
                       kind=kind or "", statuses=labels.options("dedup_state", page.lang),
                       kinds=labels.options("dedup_kind", page.lang), thresholds=thresholds,
                       may_run=page.me.is_operator and page.me.alliance_id is not None, **context)


@router.get("/console/dedup")
def index(page: StaffPage) -> Response:
    return _index(page)


@router.post("/console/dedup/run")
async def run_now(page: StaffPage) -> Response:
    await form_of(page)
    report, error = run_write(page, lambda: service.run_now(page.session, page.me))
    if error is not None:
        return _index(page, status_code=422, error=error)
    return _index(page, ran=report)


def _comparison(page: Page, item: DedupCandidate) -> tuple[list[dict[str, Any]], list[FieldComparison]]:
    records = service.side_by_side(page.session, item)
    if item.kind == DedupKind.MEMBER:
        stores = {s.id: s.name for s in merchants_repo.stores_by_ids(
            page.session, [r["origin_store_id"] for r in records if r["origin_store_id"]])}
        for r in records:
            r["store_name"] = stores.get(r["origin_store_id"], "")
        fields = (domain.compare_members(*[MemberRecord(r["id"], r["name"], r["birth_year"], r["gender"],
                                                        r["origin_store_id"], domain.phone_tail(r["phone_masked"]),
                                                        vehicles=r["plate_hashes"])
                                           for r in records]).fields if len(records) == 2 else ())
    else:
        places = [PlaceRecord(r["id"], r["name"], r["address"], r["credit_code"], r["latitude"], r["longitude"])
                  for r in records]
        fields = domain.compare_places(*places).fields if len(places) == 2 else ()
    return records, list(fields)


def _detail(page: Page, candidate_id: int, *, status_code: int = 200, **context: Any) -> Response:
    item = service.candidate(page.session, page.me, candidate_id)
    records, fields = _comparison(page, item)
    may_decide = ((page.me.is_operator or page.me.manages_merchant) and not page.me.promoter
                  and item.status in domain.OPEN)
    may_merge = may_decide and (item.kind == DedupKind.MEMBER or page.me.is_operator)
    merge_link = (f"/console/merges?kind={item.kind}&survivor_id={item.left_id}&absorbed_id={item.right_id}#places"
                  if may_merge and item.kind != DedupKind.MEMBER else "")
    return page.render("dedup/pair.html", status_code=status_code, item=item, records=records, fields=fields,
                       may_decide=may_decide, may_merge=may_merge, merge_link=merge_link,
                       window_days=UNDO_WINDOW_DAYS, **context)


@router.get("/console/dedup/{candidate_id}")
def detail(candidate_id: int, page: StaffPage) -> Response:
    return _detail(page, candidate_id)


@router.post("/console/dedup/{candidate_id}")
async def decide(candidate_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    reason = values.get("reason", "")[:200]
    if values.get("verdict") == "merge":
        try:
            survivor = int(values.get("survivor_id", ""))
        except ValueError:
            return _detail(page, candidate_id, status_code=422,
                           error=page.t("请选择保留哪一条记录", "Choose which record to keep"))
        _, error = run_write(page, lambda: service.merge(page.session, page.me, candidate_id, survivor, reason))
    elif values.get("verdict") == "not_duplicate":
        _, error = run_write(page, lambda: service.reject(page.session, page.me, candidate_id, reason))
    else:
        raise NotFound("dedup_candidate")
    if error is not None:
        return _detail(page, candidate_id, status_code=422, error=error)
    return page.redirect(f"/console/dedup/{candidate_id}")
