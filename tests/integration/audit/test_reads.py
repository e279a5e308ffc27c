"""Reading the trail: each caller sees its own scope only (the operator its alliance, a merchant's admin what its
merchant did, nobody else anything), filters narrow it, the export opens in Excel with the same rows; and the
table refuses UPDATE and DELETE on PostgreSQL, whoever asks."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from lianmeng.db import get_engine
from lianmeng.kit import clock
from tests.conftest import DATABASE_URL, IS_POSTGRES, World
from tests.integration.audit.conftest import trail
from tests.integration.web.console import console

API = "/api/v1/audit-events"


def listed(world: World, headers: dict[str, str], **query: object) -> list[dict[str, object]]:
    r = world.client.get(API, headers=headers, params={"page_size": 200, **query})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_each_caller_reads_exactly_its_scope(world: World) -> None:
    a, b = world.a, world.b
    written = trail()
    alliance_a = {e.id for e in written if e.alliance_id == a.alliance_id}
    m1 = {e.id for e in written if e.alliance_id == a.alliance_id and e.merchant_id == a.merchants[0]}
    assert alliance_a and m1 and alliance_a != m1  # the world's building wrote logins, staff and users
    assert {e["id"] for e in listed(world, world.platform.headers)} == {e.id for e in written}
    assert {e["id"] for e in listed(world, a.actors["operator"].headers)} == alliance_a
    assert {e["id"] for e in listed(world, a.actors["admin1"].headers)} == m1
    for nobody in (a.actors["staff1"], b.actors["operator"]):
        assert {e["id"] for e in listed(world, nobody.headers)} <= {
            e.id for e in written if e.alliance_id == b.alliance_id}
    assert listed(world, a.actors["staff1"].headers) == []
    assert listed(world, b.actors["operator"].headers, alliance_id=a.alliance_id) == []
    assert listed(world, a.actors["admin1"].headers, actor=a.actors["operator"].username) == []


def test_filters_narrow_the_list(world: World) -> None:
    op = world.a.actors["operator"]
    logins = listed(world, op.headers, action="auth.login", actor=op.username)
    assert logins and {(e["action"], e["actor_name"]) for e in logins} == {("auth.login", op.username)}
    assert listed(world, op.headers, actor=f"user:{op.user_id}", action="auth.login") == logins
    staff = listed(world, op.headers, object_type="staff", object_id=world.a.staff[world.a.merchants[0]])
    assert [e["action"] for e in staff] == ["staff.create"]
    today = clock.today_in_shanghai()
    assert len(listed(world, op.headers, date_from=today.isoformat(), date_to=today.isoformat())) == len(
        listed(world, op.headers))
    assert listed(world, op.headers, date_to=(today - timedelta(days=1)).isoformat()) == []
    r = world.client.get(API, headers=op.headers, params={"date_from": today.isoformat(),
                                                          "date_to": (today - timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and r.json()["error"]["code"] == "audit_date_range"
    assert world.client.get(API, headers=op.headers, params={"action": "rm -rf"}).status_code == 422
    assert world.client.get(API, headers=op.headers, params={"object_id": 2**40}).status_code == 422
    everything = listed(world, op.headers)
    assert len(listed(world, op.headers, date_from="0001-01-01", date_to="9999-12-31")) == len(everything)
    assert world.client.get(API).status_code == 401


def test_the_export_opens_with_the_callers_rows_only(world: World) -> None:
    admin = world.a.actors["admin1"]
    r = world.client.get(f"{API}/export", headers=admin.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    text_of_sheet = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    assert "审计日志" in text_of_sheet and admin.username in text_of_sheet
    assert world.a.actors["operator"].username not in text_of_sheet and "beta" not in text_of_sheet
    assert "139" not in text_of_sheet  # no member's phone
    csv = world.client.get(f"{API}/export", headers=world.b.actors["operator"].headers,
                           params={"format": "csv", "alliance_id": world.a.alliance_id})
    assert len(csv.content.decode("utf-8-sig").splitlines()) == 4  # title, period, headers, totals: no rows


def test_the_console_page_filters_pages_and_refuses_other_logins(world: World) -> None:
    op = console(world.client, world.a.actors["operator"].username)
    page = op.get("/console/audit", params={"action": "auth.login"})
    assert page.status_code == 200 and 'id="audit-events"' in page.text
    assert "登录" in page.text and world.a.actors["operator"].username in page.text
    assert world.b.actors["operator"].username not in page.text
    bad = op.get("/console/audit", params={"date_from": "2026-13-01", "object_id": "abc"})
    assert bad.status_code == 422 and "日期格式" in bad.text and "请输入编号" in bad.text
    export = op.get("/console/audit/export", params={"action": "auth.login"})
    assert export.status_code == 200
    assert load_workbook(io.BytesIO(export.content)).active is not None
    clerk = console(world.client, world.a.actors["staff1"].username)
    assert clerk.get("/console/audit").status_code == 403


@pytest.mark.skipif(not IS_POSTGRES, reason="the append-only trigger is PostgreSQL's (SQLite: the product only)")
def test_postgresql_refuses_to_update_or_delete_an_event(world: World) -> None:
    assert trail()
    engine = get_engine(DATABASE_URL)
    for statement in ("UPDATE audit_events SET actor_name = 'someone else'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_events (alliance_id, occurred_at, actor_kind, actor_name, actor_role, "
                          "action, object_type, before, after, user_agent) VALUES (:a, now(), 'system', 'x', "
                          "'platform_admin', 'auth.login', 'auth', '{}', '{}', '')"), {"a": world.a.alliance_id})
    assert len(trail()) > 1
