"""Who sees the job runs: the console page /console/jobs and GET /api/v1/job-runs are the operator's (its own
alliance's runs; the platform admin's: every alliance's); a merchant admin or a clerk is refused."""

from __future__ import annotations

from datetime import UTC, datetime

from lianmeng.db import unit_of_work
from lianmeng.jobs.models import JobRun
from tests.conftest import World
from tests.integration.web.console import console

STARTED = datetime(2026, 12, 7, 2, 5, tzinfo=UTC)  # 10:05 in Beijing


def _record(db_url: str, world: World) -> None:
    with unit_of_work(db_url) as s:
        s.add_all([
            JobRun(alliance_id=world.a.alliance_id, kind="settlement", period="2026-11", started_at=STARTED,
                   finished_at=STARTED, outcome="ok", attempts=1, counts={"count": 3}),
            JobRun(alliance_id=world.a.alliance_id, kind="points_expiry", period="2026-12-07T02:05",
                   started_at=STARTED, finished_at=STARTED, outcome="failed", attempts=2, counts={},
                   error="RuntimeError"),
            JobRun(alliance_id=world.b.alliance_id, kind="settlement", period="2026-11", started_at=STARTED,
                   finished_at=STARTED, outcome="skipped", attempts=1, counts={"count": 0}),
        ])


def test_the_operator_sees_its_alliances_runs_in_words_and_beijing_time(world: World, db_url: str) -> None:
    _record(db_url, world)
    operator = console(world.client, world.a.actors["operator"].username)
    page = operator.get("/console/jobs")
    assert page.status_code == 200 and 'id="nav-jobs"' in page.text
    assert "<td>自动结算</td>" in page.text and "<td>积分过期</td>" in page.text and "<td>失败</td>" in page.text
    assert "2026-12-07 10:05" in page.text and "count: 3" in page.text and "RuntimeError" in page.text
    assert 'class="outcome-skipped"' not in page.text  # beta's run is not alpha's operator's business
    failed = operator.get("/console/jobs?outcome=failed")
    assert "<td>积分过期</td>" in failed.text and "<td>自动结算</td>" not in failed.text
    by_kind = operator.get("/console/jobs?kind=settlement&outcome=nonsense")
    assert by_kind.status_code == 200
    assert "<td>自动结算</td>" in by_kind.text and "<td>积分过期</td>" not in by_kind.text


def test_the_api_lists_runs_page_by_page_for_operators_only(world: World, db_url: str) -> None:
    _record(db_url, world)
    client = world.client
    mine = client.get("/api/v1/job-runs", headers=world.a.actors["operator"].headers).json()
    assert mine["total"] == 2 and {r["alliance_id"] for r in mine["items"]} == {world.a.alliance_id}
    failed = client.get("/api/v1/job-runs?outcome=failed&page_size=1",
                        headers=world.a.actors["operator"].headers).json()
    assert failed["total"] == 1 and failed["items"][0]["error"] == "RuntimeError"
    assert failed["items"][0]["attempts"] == 2
    every = client.get("/api/v1/job-runs?page_size=2&page=2", headers=world.platform.headers).json()
    assert every["total"] == 3 and len(every["items"]) == 1
    one = client.get(f"/api/v1/job-runs?alliance_id={world.b.alliance_id}", headers=world.platform.headers).json()
    assert [r["outcome"] for r in one["items"]] == ["skipped"]
    assert client.get("/api/v1/job-runs?kind=nonsense", headers=world.platform.headers).status_code == 422
    for actor in ("admin1", "staff1"):
        refused = client.get("/api/v1/job-runs", headers=world.a.actors[actor].headers)
        assert refused.status_code == 403, refused.text
    assert client.get("/api/v1/job-runs").status_code == 401


def test_a_merchant_admin_gets_no_jobs_page(world: World, db_url: str) -> None:
    _record(db_url, world)
    admin = console(world.client, world.a.actors["admin1"].username, raise_server_exceptions=False)
    page = admin.get("/console/jobs")
    assert page.status_code in (403, 404) and "RuntimeError" not in page.text
    assert 'id="nav-jobs"' not in admin.get("/console").text
