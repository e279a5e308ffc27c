"""The operator's console page of job runs (/console/jobs): recent runs in Beijing time, the outcome in words, what
each counted, filtered by job and outcome."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from lianmeng.jobs import service
from lianmeng.jobs.domain import JobKind, RunOutcome
from lianmeng.kit.pagination import PageParams
from lianmeng.web import labels
from lianmeng.web.console import StaffPage

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/console/jobs")
def index(page: StaffPage) -> Response:
    query = page.request.query_params
    kind = query.get("kind", "")
    outcome = query.get("outcome", "")
    number = query.get("page", "1")
    params = PageParams(page=int(number) if number.isdigit() and 0 < int(number) <= 100_000 else 1,
                        page_size=PAGE_SIZE)
    runs = service.list_runs(page.session, page.me, params,
                             kind=JobKind(kind) if kind in {k.value for k in JobKind} else None,
                             outcome=RunOutcome(outcome) if outcome in {o.value for o in RunOutcome} else None)
    return page.render("jobs/index.html", runs=runs, kind=kind, outcome=outcome,
                       kinds=labels.options("job_kind", page.lang), outcomes=labels.options("job_outcome", page.lang),
                       has_next=params.page * PAGE_SIZE < runs.total)
