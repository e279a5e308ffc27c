"""Another merchant or alliance never reaches an application or a link (404, the same as a missing id, nothing
written); the applicant's phone is never shown in clear: not in any response, page or log line."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from lianmeng.recruiting.models import Application
from tests.conftest import World
from tests.integration.recruiting.recruiting import apply, decide, join_link, ok, refused
from tests.integration.web.console import console

PHONE = "13755501234"


def test_other_merchants_and_alliances_get_404_like_a_missing_id(world: World, session: Session) -> None:
    link = join_link(world, "staff1")
    application = ok(apply(world.client, link["token"], PHONE))
    missing = 999_999
    for actor, side in (("admin2", "a"), ("staff2", "a"), ("operator", "b"), ("admin1", "b")):
        headers = (world.a if side == "a" else world.b).actors[actor].headers
        for path in ("/api/v1/recruits/{}", "/api/v1/join-links/{}"):
            target = application["id"] if "recruits" in path else link["id"]
            foreign = world.client.get(path.format(target), headers=headers)
            absent = world.client.get(path.format(missing), headers=headers)
            assert foreign.status_code == absent.status_code == 404, (actor, side, path)
            assert foreign.json()["error"]["code"] == absent.json()["error"]["code"]
        assert decide(world, actor, application["id"], side=side).status_code == 404
        patched = world.client.patch(f"/api/v1/join-links/{link['id']}", json={"active": False}, headers=headers)
        assert patched.status_code == 404
        listed = ok(world.client.get("/api/v1/recruits", headers=headers), 200)
        assert application["id"] not in [a["id"] for a in listed["items"]]
    session.rollback()
    row = session.get(Application, application["id"])
    assert row is not None and row.status == "pending"
    # an API key or a member shares no join link
    key = ok(world.client.post(f"/api/v1/merchants/{world.a.merchants[0]}/api-keys", json={"name": "till"},
                               headers=world.a.actors["admin1"].headers))
    refused(world.client.post("/api/v1/join-links", json={}, headers={"X-API-Key": key["key"]}), 403, "forbidden")
    # a merchant admin invites to its own merchant only
    refused(world.client.post("/api/v1/join-links", json={"merchant_id": world.a.merchants[1]},
                              headers=world.a.actors["admin1"].headers), 403, "forbidden")
    refused(world.client.post("/api/v1/join-links", json={"merchant_id": world.b.merchants[0]},
                              headers=world.a.actors["operator"].headers), 404, "not_found")


def test_the_phone_never_shows_in_clear(world: World, session: Session, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    link = join_link(world, "staff1")
    receipt = apply(world.client, link["token"], PHONE)
    seen.append(receipt.text)
    application = ok(receipt)
    op = world.a.actors["operator"].headers
    for path in ("/api/v1/recruits", f"/api/v1/recruits/{application['id']}", "/api/v1/recruits/leaderboard"):
        seen.append(world.client.get(path, headers=op).text)
    seen.append(decide(world, "admin1", application["id"]).text)
    admin = console(world.client, world.a.actors["admin1"].username)
    for page in ("/console/recruiting", f"/console/recruiting/applications/{application['id']}",
                 "/console/recruiting/leaderboard"):
        answer = admin.get(page)
        assert answer.status_code == 200, page
        seen.append(answer.text)
    assert "137****1234" in seen[0] and "137****1234" in seen[-2]
    for text_ in seen:
        assert PHONE not in text_ and "137 5550 1234" not in text_
    assert PHONE not in caplog.text
    # stored encrypted, hashed and masked: no column holds it in clear
    session.rollback()
    row = session.execute(select(Application.__table__)).mappings().one()
    assert all(PHONE not in str(value) for value in row.values())
    assert session.execute(text("SELECT count(*) FROM recruit_applications WHERE phone_masked = '137****1234'"))\
        .scalar() == 1
