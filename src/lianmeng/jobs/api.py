"""API of the jobs' record (任务运行记录): recent runs for the operator."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lianmeng.jobs import service
from lianmeng.jobs.domain import JobKind, RunOutcome
from lianmeng.jobs.schemas import JobRunOut
from lianmeng.kit.pagination import Page
from lianmeng.kit.types import MAX_ID
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep
from lianmeng.web.openapi import may_answer

router = APIRouter(tags=["jobs 定时任务"])


@router.get("/job-runs", response_model=Page[JobRunOut], responses=may_answer(403),
            summary="任务运行记录: recent job runs, newest first (operators only; an alliance's operator sees its "
                    "alliance's)")
def list_job_runs(session: SessionDep, principal: CurrentPrincipal, paging: Paging, kind: JobKind | None = None,
                  outcome: RunOutcome | None = None,
                  alliance_id: Annotated[int | None, Query(ge=1, le=MAX_ID,
                                                           description="Platform admins only: one alliance")] = None,
                  ) -> Page[JobRunOut]:
    runs = service.list_runs(session, principal, paging, kind=kind, outcome=outcome, alliance_id=alliance_id)
    return Page[JobRunOut](items=[JobRunOut.model_validate(r) for r in runs.items], total=runs.total,
                           page=runs.page, page_size=runs.page_size)
